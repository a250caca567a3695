"""Resolution of new candidates against what the pool holds: ADD, SUPERSEDE, DUPLICATE, NONE.

Nothing is deleted here: a superseded event keeps its text and gets valid_to and superseded_by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from memory.events import Event, event_id
from memory.extraction.extractor import Candidate
from memory.features import NoteEmbedder
from memory.hierarchy import DERIVED_TYPES
from memory.log import Conversation
from memory.store.port import MemoryStore

Action = Literal["add", "supersede", "duplicate", "none"]

DUPLICATE_COSINE = 0.9
# A negated line ("I don't have a dog anymore") replaces the fact it denies, which reads
# quite differently in embedding space, hence a lower bar than for duplicates.
NEGATION_COSINE = 0.5
_NEGATION = re.compile(
    r"\b(?:not|no longer|anymore|any more|don't|doesn't|didn't|never|quit|stopped|broke up|"
    r"gave up|no más|ya no|dejé|nunca|nicht mehr|kein|plus)\b|不再|不是|没有|已经不|分手|戒了|辞职",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    action: Action
    event: Event
    replaces: str | None = None


def _is_negation(text: str) -> bool:
    return bool(_NEGATION.search(text))


class Resolver:
    def __init__(self, store: MemoryStore, notes: NoteEmbedder) -> None:
        self._store = store
        self._notes = notes

    async def apply(
        self, c: Conversation, turn_id: str, candidates: list[Candidate], now: datetime
    ) -> list[Decision]:
        """Decide for each candidate and write the outcome to the pool."""
        if not candidates:
            return []
        embedded = await self._notes([cand.summary for cand in candidates])
        e5s: list[list[float] | None] = (
            list(embedded.e5) if embedded.e5 is not None else [None] * len(candidates)
        )
        decisions: list[Decision] = []
        for position, (cand, vector, e5) in enumerate(
            zip(candidates, embedded.dense, e5s, strict=True)
        ):
            new = Event(
                id=event_id(c.tenant_id, c.persona_id, c.player_id, turn_id, position),
                tenant_id=c.tenant_id,
                persona_id=c.persona_id,
                player_id=c.player_id,
                type=cand.type,
                also=cand.also,
                subject=cand.subject,
                summary=cand.summary,
                importance=cand.importance,
                valid_from=now,
                expires_at=cand.expires_at,
                source_turns=[turn_id],
                created_at=now,
            )
            # A replayed stream entry: its events are already there, written with these ids.
            if await self._store.get(c, new.id) is not None:
                decisions.append(Decision("none", new))
                continue
            decision = await self._decide(c, new, vector)
            await self._write(c, decision, new, (vector, e5), now)
            decisions.append(decision)
        return decisions

    async def _decide(self, c: Conversation, new: Event, vector: list[float]) -> Decision:
        # A fact said again is the same fact whatever type it was read as this time (a profile
        # that lists one fact sits as near: it is not a fact).
        for hit in await self._store.search(c, vector, 3, min_score=DUPLICATE_COSINE):
            if hit.event.type not in DERIVED_TYPES:
                return Decision("duplicate", hit.event)
        nearest = await self._store.search(c, vector, 5, types=[new.type])
        if not nearest:
            return Decision("add", new)
        best = nearest[0]
        if new.type == "identity":
            same_slot = next((s for s in nearest if s.event.subject == new.subject), None)
            if same_slot is not None:
                return Decision("supersede", new, replaces=same_slot.event.id)
        elif _is_negation(new.summary) and best.score >= NEGATION_COSINE:
            return Decision("supersede", new, replaces=best.event.id)
        return Decision("add", new)

    async def _write(
        self,
        c: Conversation,
        decision: Decision,
        new: Event,
        vectors: tuple[list[float], list[float] | None],
        now: datetime,
    ) -> None:
        if decision.action == "duplicate":
            # Said again: the old event gains a source and weight, no copy is added.
            old = decision.event
            await self._store.patch(
                c,
                old.id,
                {
                    "importance": min(10, old.importance + 1),
                    "source_turns": [*old.source_turns, *new.source_turns],
                },
            )
            return
        vector, e5 = vectors
        await self._store.upsert([decision.event], [vector], None if e5 is None else [e5])
        if decision.action == "supersede" and decision.replaces:
            await self._store.patch(
                c, decision.replaces, {"valid_to": now, "superseded_by": decision.event.id}
            )
