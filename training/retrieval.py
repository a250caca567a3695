"""Step b: what the service would put in the prompt for each scenario.

The scenario's memories go into a scratch memory pool (the qdrant-edge adapter the embedded
service runs), and the line goes through the service's own reading (refusal gate, emotion)
and recall (dense, keyword and standing-fact candidates, the bearing judge), then through the
service's prompt assembly. Training thus sees the memories serving would show, distractors
included, and nothing else.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from memory.bearing import BearingJudge
from memory.embedding import shared_minilm
from memory.events import Event
from memory.features import shared_featurizer, shared_note_embedder
from memory.hierarchy import Hierarchy
from memory.lore import lore_owners
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from persona.character import CharacterReader, guidance_for
from persona.prompt import Message, build_messages, system_prompt
from training.progress import progress
from training.scenarios import NOW, Scenario


class Grounded(BaseModel):
    """A scenario with the prompt the service builds for it."""

    scenario: Scenario
    messages: list[Message]
    instructions: str  # the system prompt without memories: what the reflection check reads
    recalled: list[str]  # memory ids (event subjects) that reached the prompt
    refused: str | None = None  # the gate's reason, when it declined the line
    emotion: str | None = None
    support: bool = False

    @property
    def shown_bearing(self) -> list[str]:
        return [m for m in self.recalled if m in self.scenario.case.bears]

    @property
    def shown_distractors(self) -> list[str]:
        return [m for m in self.recalled if m not in self.scenario.case.bears]


@contextmanager
def scratch_pool() -> Iterator[EdgeMemoryStore]:
    with tempfile.TemporaryDirectory(prefix="dialogue-pool-") as scratch:
        yield EdgeMemoryStore(Path(scratch) / "shard", shared_minilm().dim)


def opens(scenario: Scenario) -> bool:
    """Whether the line opens a conversation, which brings the player's profile along; half of
    the scenarios do, chosen by id so a rerun makes the same data."""
    return zlib.crc32(scenario.case.id.encode()) % 2 == 0


def _subjects(scenario: Scenario, shown: Sequence[Event]) -> list[str]:
    """The scenario's memory ids behind what was shown; a profile or reflection shows the facts
    it was made from."""
    subject = {e.id: e.subject for e in scenario.events}
    found = [subject[i] for e in shown for i in (e.sources or [e.id]) if i in subject]
    return list(dict.fromkeys(found))


async def ground(
    scenarios: Sequence[Scenario], reader: CharacterReader, store: EdgeMemoryStore
) -> list[Grounded]:
    embedder = shared_minilm()
    recaller = Recaller(store, embedder, RecallConfig(), BearingJudge.load(), shared_featurizer())
    notes = shared_note_embedder()
    hierarchy = Hierarchy(store, notes)
    out = []
    for s in progress(scenarios, "retrieving"):
        embedded = await notes([e.summary for e in s.events])
        await store.upsert(s.events, embedded.dense, embedded.e5)
        await hierarchy.refresh(s.conversation, NOW)
        reading = await reader.read(s.conversation.tenant_id, s.persona, s.case.line)
        guidance = guidance_for(reading)
        recalled: list[Event] = []
        if not reading.verdict.refused:  # as a turn: nothing is recalled for a declined line
            result = await recaller.recall(
                s.conversation,
                s.case.line,
                NOW,
                opening=opens(s),
                lore_owners=lore_owners(s.persona.id, s.persona.world_id),
            )
            recalled = [r.event for r in result.items]
        messages = build_messages(s.persona, [], s.case.line, recalled, guidance)
        out.append(
            Grounded(
                scenario=s,
                messages=messages,
                instructions=system_prompt(s.persona, guidance),
                recalled=_subjects(s, recalled),
                refused=guidance.refusal,
                emotion=guidance.emotion,
                support=guidance.support,
            )
        )
    return out
