"""Settling the player's promises to a character as the lines come in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from core.conversation import Conversation
from memory.hierarchy import Hierarchy
from memory.store.port import MemoryStore
from persona.commitment import CommitmentJudge, Outcome


@dataclass(frozen=True)
class Settled:
    event_id: str
    promise: str
    outcome: Outcome
    confidence: float


@dataclass
class PromiseBook:
    judge: CommitmentJudge
    featurize: Callable[[list[str]], np.ndarray]
    store: MemoryStore
    hierarchy: Hierarchy | None = None

    async def settle(
        self,
        c: Conversation,
        line: str,
        now: datetime,
        dry_run: bool = False,
        turn_id: str | None = None,
    ) -> Settled | None:
        """If the line keeps or breaks one of the player's open promises to this character,
        close that promise (it stops being a standing fact) and say which and how. A dry run
        (a turn preview) only says. `turn_id`: this line's turn, whose own promise the worker
        may already have stored: the line that makes a promise never settles it ("I'll bring
        you herbs tomorrow" read as keeping itself and closed the promise at once)."""
        promises = [
            e
            for e in await self.store.list_events(c, types=["commitment"])
            if turn_id is None or turn_id not in e.source_turns
        ]
        if not promises:
            return None
        pairs = [(e.id, e.summary) for e in promises]
        verdict = await asyncio.to_thread(self.judge.judge, self.featurize, line, pairs)
        if verdict is None:
            return None
        summary = next(e.summary for e in promises if e.id == verdict.event_id)
        settled = Settled(verdict.event_id, summary, verdict.outcome, verdict.confidence)
        if not dry_run:
            await self.close(c, settled, now)
        return settled

    async def close(self, c: Conversation, settled: Settled, now: datetime) -> None:
        """The promise stops being a standing fact (kept or broken, it is over)."""
        await self.store.patch(c, settled.event_id, {"valid_to": now})
        if self.hierarchy is not None:
            await self.hierarchy.refresh(c, now, [settled.event_id])
