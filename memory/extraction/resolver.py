"""Resolution of new candidates against what the pool holds: ADD, SUPERSEDE, DUPLICATE, NONE.

Nothing is deleted here: a superseded event keeps its text and gets valid_to and superseded_by.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from core.conversation import Conversation
from memory.embedding import unit
from memory.events import Event, ScoredEvent, event_id
from memory.extraction.extractor import Candidate
from memory.features import Featurize, NoteEmbedder, multilingual
from memory.hierarchy import DERIVED_TYPES
from memory.store.port import MemoryStore
from memory.supersede import SupersedeJudge

Action = Literal["add", "supersede", "duplicate", "none"]

DUPLICATE_COSINE = 0.9
# The nearest notes of the new one's kinds that the supersede judge reads it against.
SUPERSEDE_CANDIDATES = 5


def _unit(vector: Sequence[float]) -> np.ndarray:
    return unit(np.asarray(vector, dtype=np.float32))


@dataclass(frozen=True)
class Decision:
    action: Action
    event: Event
    replaces: str | None = None


class Resolver:
    def __init__(
        self,
        store: MemoryStore,
        notes: NoteEmbedder,
        judge: SupersedeJudge | None = None,
        featurize: Featurize | None = None,
    ) -> None:
        """`judge`: decides which older note a new one ends (without it, only an identity
        note of the same slot does); it reads e5, from the vectors stored with the notes or,
        where a pool holds none, from `featurize`."""
        if judge is not None and featurize is None:
            raise ValueError("the supersede judge reads e5 vectors: pass `featurize`")
        self._store = store
        self._notes = notes
        self._judge = judge
        self._featurize = featurize

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
            decision = await self._decide(c, new, vector, e5)
            await self._write(c, decision, new, (vector, e5), now)
            decisions.append(decision)
        return decisions

    async def _decide(
        self, c: Conversation, new: Event, vector: list[float], e5: list[float] | None
    ) -> Decision:
        # A fact said again is the same fact whatever type it was read as this time (a profile
        # that lists one fact sits as near: it is not a fact).
        for hit in await self._store.search(c, vector, 3, min_score=DUPLICATE_COSINE):
            if hit.event.type not in DERIVED_TYPES:
                return Decision("duplicate", hit.event)
        if new.type == "identity":
            nearest = await self._store.search(c, vector, 5, types=["identity"])
            same_slot = next((s for s in nearest if s.event.subject == new.subject), None)
            if same_slot is not None:
                return Decision("supersede", new, replaces=same_slot.event.id)
        if self._judge is None:
            return Decision("add", new)
        # A fact ends a fact of its kind (a home a home, a health state a health state):
        # "Can't stop crying" never ends "Sensitive stomach", however the judge reads them.
        kinds = list(dict.fromkeys([new.type, *new.also]))
        hits = await self._store.search(
            c, vector, SUPERSEDE_CANDIDATES, types=kinds, with_vectors=True
        )
        replaced = await self._replaced(new.summary, (vector, e5), hits, self._judge)
        if replaced is None:
            return Decision("add", new)
        return Decision("supersede", new, replaces=replaced.id)

    async def _replaced(
        self,
        note: str,
        vectors: tuple[list[float], list[float] | None],
        hits: list[ScoredEvent],
        judge: SupersedeJudge,
    ) -> Event | None:
        """The older note the new one ends, by the judge, if any."""
        hits = [h for h in hits if h.vector is not None]
        if not hits:
            return None
        assert self._featurize is not None
        featurize = self._featurize
        dense, e5 = vectors
        # Notes of a pool made before e5 was stored are embedded here.
        missing = [note] if e5 is None else []
        missing += [h.event.summary for h in hits if h.e5 is None]

        def read() -> int | None:
            found = iter(multilingual(featurize, missing)) if missing else iter(())
            line = next(found) if e5 is None else _unit(e5)
            olds = np.stack([next(found) if h.e5 is None else _unit(h.e5) for h in hits])
            olds_dense = np.stack([_unit(h.vector or []) for h in hits])
            return judge.replaced(line, olds, _unit(dense), olds_dense)

        index = await asyncio.to_thread(read)
        return None if index is None else hits[index].event

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
