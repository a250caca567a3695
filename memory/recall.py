"""Recall at every turn: candidates from several signals, reranked, cut to a token budget.

Signals: dense similarity to the player's line, and the player's standing facts (identity,
health, active commitments, plans due soon), which matter even when they share no words with
the line. The score mixes relevance, recency and importance, as in Generative Agents' memory
stream; superseded and expired events never come back (the pool filters them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from memory.bearing import BearingJudge
from memory.embedding import Embedder
from memory.events import Event
from memory.log import Conversation
from memory.store.port import MemoryStore

Signal = Literal["dense", "standing", "bearing"]
STANDING_TYPES = ("identity", "health", "commitment", "plan")


@dataclass(frozen=True)
class RecallConfig:
    dense_k: int = 10
    standing_k: int = 50
    budget_tokens: int = 400
    min_dense_relevance: float = 0.35
    min_standing_relevance: float = 0.2
    plan_window_days: int = 7
    recency_half_life_days: float = 30.0
    weights: tuple[float, float, float] = (0.6, 0.25, 0.15)  # relevance, importance, recency


@dataclass(frozen=True)
class Recalled:
    event: Event
    score: float
    relevance: float
    signal: Signal


@dataclass
class RecallResult:
    items: list[Recalled] = field(default_factory=list)
    tokens: int = 0


def estimate_tokens(text: str) -> int:
    """About four characters a token in Latin scripts, one a token in CJK (no tokenizer here)."""
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(1, cjk + (len(text) - cjk + 3) // 4)


class Recaller:
    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        config: RecallConfig,
        judge: BearingJudge | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._config = config
        self._judge = judge

    async def recall(
        self, c: Conversation, text: str, now: datetime, personas: Sequence[str] | None = None
    ) -> RecallResult:
        """`personas`: whose memories of this player count (the persona's world), else its own."""
        [vector] = await self._embedder.embed([text])
        if self._judge is not None:
            return await self._recall_judged(c, vector, now, self._judge, personas)
        cfg = self._config
        dense = await self._store.search(c, vector, cfg.dense_k, personas=personas)
        standing = await self._store.search(
            c, vector, cfg.standing_k, types=STANDING_TYPES, personas=personas
        )
        candidates: dict[str, Recalled] = {}
        for hit in dense:
            if hit.score >= cfg.min_dense_relevance:
                candidates[hit.event.id] = self._scored(hit.event, hit.score, "dense", now)
        for hit in standing:
            if hit.event.id in candidates or not self._standing(hit.event, now):
                continue
            if hit.score >= cfg.min_standing_relevance:
                candidates[hit.event.id] = self._scored(hit.event, hit.score, "standing", now)
        ranked = sorted(candidates.values(), key=lambda r: -r.score)
        return self._within_budget(ranked)

    async def _recall_judged(
        self,
        c: Conversation,
        vector: list[float],
        now: datetime,
        judge: BearingJudge,
        personas: Sequence[str] | None,
    ) -> RecallResult:
        """The judge reads every candidate against the line: similar ones and standing facts."""
        cfg = self._config
        hits = {
            hit.event.id: hit
            for hit in [
                *await self._store.search(
                    c, vector, cfg.dense_k, with_vectors=True, personas=personas
                ),
                *await self._store.search(
                    c,
                    vector,
                    cfg.standing_k,
                    types=STANDING_TYPES,
                    with_vectors=True,
                    personas=personas,
                ),
            ]
            if hit.vector is not None
        }
        candidates = list(hits.values())
        if not candidates:
            return RecallResult()
        memories = np.asarray([hit.vector for hit in candidates], dtype=np.float32)
        picked = judge.choose(
            np.asarray(vector, dtype=np.float32), memories, [h.event.type for h in candidates]
        )
        chosen = []
        for index, p in picked:
            hit = candidates[index]
            signal: Signal = "dense" if hit.score >= cfg.min_dense_relevance else "bearing"
            chosen.append(self._scored(hit.event, p, signal, now, relevance=hit.score))
        return self._within_budget(sorted(chosen, key=lambda r: -r.score))

    def _standing(self, event: Event, now: datetime) -> bool:
        """Facts that stay in force: who they are, their health, promises, plans due soon."""
        if event.type == "plan":
            due = event.date
            return (
                due is not None
                and due <= (now + timedelta(days=self._config.plan_window_days)).date()
            )
        return event.type in STANDING_TYPES

    def _scored(
        self,
        event: Event,
        strength: float,
        signal: Signal,
        now: datetime,
        relevance: float | None = None,
    ) -> Recalled:
        """`strength`: how much it bears on the line (cosine, or the judge's probability)."""
        w_rel, w_imp, w_rec = self._config.weights
        importance = (event.weight if event.weight is not None else event.importance) / 10
        age_days = max(0.0, (now - event.valid_from).total_seconds() / 86_400)
        recency = math.pow(0.5, age_days / self._config.recency_half_life_days)
        score = w_rel * strength + w_imp * importance + w_rec * recency
        cosine = strength if relevance is None else relevance
        return Recalled(event, round(score, 4), round(cosine, 4), signal)

    def _within_budget(self, ranked: list[Recalled]) -> RecallResult:
        result = RecallResult()
        for item in ranked:
            cost = estimate_tokens(item.event.summary) + 4  # the bullet and quotes around it
            if result.tokens + cost > self._config.budget_tokens:
                continue
            result.items.append(item)
            result.tokens += cost
        return result
