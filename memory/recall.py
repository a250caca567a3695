"""Recall at every turn: candidates from several signals, reranked, cut to a token budget.

Signals: dense similarity to the player's line, shared telling words (BM25 over the pool's
full-text index), and the player's standing facts (identity, health, active commitments, plans
due soon), which matter even when they share no words with the line. A trained judge reads each
candidate against the line and keeps what bears on it. The score mixes relevance, recency and
importance, as in Generative Agents' memory stream; superseded and expired events never come
back (the pool filters them).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from core.conversation import Conversation
from core.tokens import estimate_tokens
from memory.bearing import BearingJudge, select
from memory.embedding import Embedder, e5_query, unit
from memory.events import Event, ScoredEvent, subject_of
from memory.features import Featurize, english_pairs, multilingual
from memory.hierarchy import PROFILE, profile_id
from memory.lore import LoreLibrary
from memory.store.port import MemoryStore

Signal = Literal["dense", "keyword", "standing", "bearing", "profile"]
Vector = NDArray[np.float32]
STANDING_TYPES = ("identity", "health", "commitment", "plan")


@dataclass(frozen=True)
class RecallConfig:
    dense_k: int = 10
    # The standing facts nearest the line: the judge reads each (a long player holds hundreds).
    standing_k: int = 25
    keyword_k: int = 5
    lore_k: int = 2
    min_lore_relevance: float = 0.4
    min_lore_keyword_relevance: float = 0.25
    budget_tokens: int = 400
    min_dense_relevance: float = 0.35
    min_bearing_relevance: float = 0.1
    # Similar enough that it bears whatever the judge says ("fishing?" and "loves fishing").
    certain_dense_relevance: float = 0.55
    min_standing_relevance: float = 0.2
    # BM25 over the whole pool: a score this high means a shared word that is not common.
    # Absolute BM25 scores shift with the pool's size, so the judge, not this, decides when
    # there is one; this only labels the signal and serves recall without a judge.
    min_keyword_score: float = 0.5
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


@dataclass
class _Candidate:
    event: Event
    vector: Vector
    cosine: float
    sources: set[str] = field(default_factory=set)
    keyword: float = 0.0
    e5: Vector | None = None  # stored at write time; None in a pool made before that

    @classmethod
    def of(cls, hit: ScoredEvent, line: Vector) -> _Candidate:
        """A pool hit that came with its stored vectors, and its cosine to the line."""
        assert hit.vector is not None
        memory = unit(np.asarray(hit.vector, dtype=np.float32))
        e5 = None if hit.e5 is None else unit(np.asarray(hit.e5, dtype=np.float32))
        return cls(hit.event, memory, float(memory @ line), e5=e5)


def _without_redundant_profile(chosen: list[Recalled], said_now: set[str]) -> list[Recalled]:
    """The profile says nothing new when every fact in it was recalled on its own or is the
    line being answered."""
    others = {r.event.id for r in chosen if r.signal != "profile"} | said_now
    return [r for r in chosen if r.signal != "profile" or not set(r.event.sources) <= others]


# Reciprocal rank fusion's constant: 60 is the usual one; a smaller one lets a ranking's first
# few places count for more. On LoCoMo (eval.locomo) 10 found more evidence than 60 (recall@10
# 0.568 against 0.530, the same rankings).
_RRF_K = 10


def fuse(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Weighted reciprocal rank fusion: each id scores the sum of weight / (10 + rank) over the
    rankings it is in. Scores of different signals (cosine, BM25, probability) are not
    comparable; ranks are."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, id_ in enumerate(ranking, 1):
            scores[id_] = scores.get(id_, 0.0) + weight / (_RRF_K + rank)
    return scores


class Recaller:
    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        config: RecallConfig,
        judge: BearingJudge | None = None,
        featurize: Featurize | None = None,
        *,
        dense_in_features: bool = False,
    ) -> None:
        """`featurize`: the e5 features a judge that reads them needs (cached and shared with
        the character reader, which has just read the same line); `dense_in_features`: the
        embedder is the featurizer's own MiniLM, so the line's vector comes from its features."""
        if judge is not None and judge.reads_e5 and featurize is None:
            raise ValueError("the bearing judge reads e5 features: pass `featurize`")
        self._store = store
        self._embedder = embedder
        self._line_features = featurize if dense_in_features else None
        self._config = config
        self._judge = judge
        self._featurize = featurize
        self._library = LoreLibrary(store, embedder)

    async def recall(
        self,
        c: Conversation,
        text: str,
        now: datetime,
        personas: Sequence[str] | None = None,
        *,
        opening: bool = False,
        lore_owners: Sequence[str] = (),
        turn_id: str | None = None,
    ) -> RecallResult:
        """`personas`: whose memories of this player count (the persona's world), else its own.
        `opening`: the conversation (re)starts, so the player's profile comes along.
        `lore_owners`: whose lore the persona knows (itself, its world).
        `turn_id`: this turn, whose own line the worker may already have stored: never
        recalled back to it."""
        line = await self._line(text)
        chosen: list[Recalled] = []
        if opening and (profile := await self._store.get(c, profile_id(c))) is not None:
            chosen.append(self._scored(profile, 1.0, "profile", now))
        found = await self._candidates(c, text, line, personas)
        own = {x.event.id for x in found if turn_id is not None and turn_id in x.event.source_turns}
        candidates = [x for x in found if x.event.id not in own]
        if candidates:
            if self._judge is not None:
                chosen += await self._judged(candidates, text, line, now, self._judge)
            else:
                chosen += self._unjudged(candidates, now)
        if lore_owners:
            chosen += await self._lore(c.tenant_id, lore_owners, text, line, now)
        return self._within_budget(
            sorted(_without_redundant_profile(chosen, own), key=lambda r: -r.score)
        )

    async def _line(self, text: str) -> Vector:
        """The line's vector in the pool's embedding."""
        if (featurize := self._line_features) is not None:
            # A turn's character reader has just read the line: its features are cached.
            row = await asyncio.to_thread(featurize, [text])
            return unit(row[0, : featurize.english_dim])
        [vector] = await self._embedder.embed([text])
        return unit(np.asarray(vector, dtype=np.float32))

    async def _lore(
        self, tenant_id: str, owners: Sequence[str], text: str, line: Vector, now: datetime
    ) -> list[Recalled]:
        """The lore chunks nearest the line in meaning or sharing a telling word with it."""
        cfg = self._config
        dense, keyword = await self._library.search(
            tenant_id, owners, text, line.tolist(), cfg.lore_k
        )
        found: dict[str, Recalled] = {}
        for hit in dense:
            if hit.score >= cfg.min_lore_relevance:
                found[hit.event.id] = self._scored(hit.event, hit.score, "dense", now)
        for hit in keyword:
            # A shared word (stop words never match) and some closeness in meaning: "who
            # governs this port?" and "Port Royal is governed by ..." (cosine 0.35).
            cosine = float(unit(np.asarray(hit.vector, dtype=np.float32)) @ line)
            if hit.event.id not in found and cosine >= cfg.min_lore_keyword_relevance:
                found[hit.event.id] = self._scored(hit.event, cosine, "keyword", now)
        return sorted(found.values(), key=lambda r: -r.relevance)[: cfg.lore_k]

    async def _candidates(
        self, c: Conversation, text: str, line: Vector, personas: Sequence[str] | None
    ) -> list[_Candidate]:
        """Every memory any signal brings: similar ones, standing facts, shared telling words."""
        cfg = self._config
        query = line.tolist()
        found: dict[str, _Candidate] = {}
        searches: list[tuple[str, list[ScoredEvent]]] = [
            (
                "dense",
                await self._store.search(
                    c, query, cfg.dense_k, with_vectors=True, personas=personas
                ),
            ),
            (
                "standing",
                await self._store.search(
                    c,
                    query,
                    cfg.standing_k,
                    types=STANDING_TYPES,
                    with_vectors=True,
                    personas=personas,
                ),
            ),
            (
                "keyword",
                await self._store.keyword_search(c, text, cfg.keyword_k, personas=personas),
            ),
        ]
        for source, hits in searches:
            for hit in hits:
                if hit.vector is None or hit.event.type == PROFILE:
                    continue
                candidate = found.get(hit.event.id)
                if candidate is None:
                    candidate = found[hit.event.id] = _Candidate.of(hit, line)
                candidate.sources.add(source)
                if source == "keyword":
                    candidate.keyword = hit.score
        return list(found.values())

    async def _judged(
        self,
        candidates: list[_Candidate],
        text: str,
        line: Vector,
        now: datetime,
        judge: BearingJudge,
    ) -> list[Recalled]:
        """The judge reads every candidate against the line and lets through what bears; a
        near restatement of the line comes through whatever the judge thinks."""
        p = await self._bearing(candidates, text, line, judge)
        picked = [
            (i, float(p[i]))
            for i in select(p, judge.threshold, judge.cap, judge.margin)
            # The judge's probabilities are least reliable far from anything it was trained
            # on; a link with no similarity at all ("I like the rain" → a stomach) is dropped.
            if candidates[i].cosine >= self._config.min_bearing_relevance
        ]
        cosines = sorted((c.cosine for c in candidates), reverse=True)
        nearest = max(range(len(candidates)), key=lambda i: candidates[i].cosine)
        # Only a clear nearest: in scripts MiniLM reads poorly (CJK) every cosine runs high.
        clear = len(cosines) == 1 or cosines[0] - cosines[1] >= 0.1
        if (
            clear
            and cosines[0] >= self._config.certain_dense_relevance
            and nearest not in {i for i, _ in picked}
        ):
            picked.append((nearest, cosines[0]))
        return [
            self._scored(
                candidates[i].event,
                p,
                self._signal(candidates[i], "bearing"),
                now,
                relevance=candidates[i].cosine,
            )
            for i, p in picked
        ]

    async def _bearing(
        self, candidates: list[_Candidate], text: str, line: Vector, judge: BearingJudge
    ) -> NDArray[np.float32]:
        """How likely each candidate bears on the line, by the judge."""
        memories = np.stack([c.vector for c in candidates])
        e5 = english = None
        if judge.reads_e5 and self._featurize is not None:
            featurize = self._featurize
            summaries = [c.event.summary for c in candidates]
            # Only the line is embedded here: notes carry the e5 vector stored with them, but
            # for those of a pool made before it was stored.
            missing = [i for i, c in enumerate(candidates) if c.e5 is None]

            def read() -> tuple[Vector, Vector, NDArray[np.bool_]]:
                rows = multilingual(featurize, [text, *(summaries[i] for i in missing)])
                found = dict(zip(missing, rows[1:], strict=True))
                stored = [found[i] if c.e5 is None else c.e5 for i, c in enumerate(candidates)]
                return rows[0], np.stack(stored), english_pairs(text, summaries)

            line_e5, memories_e5, english = await asyncio.to_thread(read)
            e5 = (line_e5, memories_e5)
        types = [c.event.type for c in candidates]
        return judge.probabilities(line, memories, types, e5, english)

    async def search(
        self,
        c: Conversation,
        text: str,
        k: int,
        *,
        include_superseded: bool = False,
    ) -> list[ScoredEvent]:
        """The k memories that best answer `text`, ranked as a turn's recall reads them: the
        nearest by meaning (MiniLM, and e5 reading `text` as a question), those sharing telling
        words (BM25) and, with a judge, how much each bears on the text, fused by rank.
        `events:search` runs this, so one number measures what the turn uses."""
        line = await self._line(text)
        pool = max(3 * k, 30)
        dense = await self._store.search(
            c, line.tolist(), pool, include_superseded=include_superseded, with_vectors=True
        )
        keyword = await self._store.keyword_search(c, text, pool)
        # MiniLM and e5 both read meaning: MiniLM (English only) counts half.
        searches, weights = [dense, keyword], [0.5, 1.0]
        if self._featurize is not None and self._store.stores_e5:
            query = await asyncio.to_thread(e5_query, text)
            searches.append(
                await self._store.search(
                    c,
                    query.tolist(),
                    pool,
                    include_superseded=include_superseded,
                    with_vectors=True,
                    e5=True,
                )
            )
            weights.append(1.0)
        found: dict[str, _Candidate] = {}
        rankings: list[list[str]] = []
        for hits in searches:
            ranking = []
            for hit in hits:
                if hit.vector is None or hit.event.type == PROFILE:
                    continue
                if hit.event.id not in found:
                    found[hit.event.id] = _Candidate.of(hit, line)
                ranking.append(hit.event.id)
            rankings.append(ranking)
        candidates = list(found.values())
        if candidates and self._judge is not None:
            p = await self._bearing(candidates, text, line, self._judge)
            order = sorted(range(len(candidates)), key=lambda i: -p[i])
            rankings.append([candidates[i].event.id for i in order])
            # Trained on players' lines to an NPC: on other talk (LoCoMo's) it ranks near
            # chance, so it refines the order rather than leading it.
            weights.append(0.5)
        fused = fuse(rankings, weights)
        ranked = sorted(found, key=lambda i: -fused[i])[:k]
        return [ScoredEvent(event=found[i].event, score=round(fused[i], 5)) for i in ranked]

    def _unjudged(self, candidates: list[_Candidate], now: datetime) -> list[Recalled]:
        cfg = self._config
        chosen = []
        for candidate in candidates:
            if candidate.cosine >= cfg.min_dense_relevance:
                signal: Signal = "dense"
            elif candidate.keyword >= cfg.min_keyword_score:
                signal = "keyword"
            elif (
                "standing" in candidate.sources
                and self._standing(candidate.event, now)
                and candidate.cosine >= cfg.min_standing_relevance
            ):
                signal = "standing"
            else:
                continue
            chosen.append(self._scored(candidate.event, candidate.cosine, signal, now))
        return chosen

    def _signal(self, candidate: _Candidate, otherwise: Signal) -> Signal:
        """Which signal brought a memory the judge kept: the plainest one that explains it."""
        if candidate.cosine >= self._config.min_dense_relevance:
            return "dense"
        if candidate.keyword >= self._config.min_keyword_score:
            return "keyword"
        return otherwise

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
        """The best first, each note once: the same words stored twice (kept by two personas
        of one world, or written before one fact became one event) say nothing new twice."""
        result = RecallResult()
        notes: set[str] = set()
        for item in ranked:
            note = subject_of(item.event.summary)
            cost = estimate_tokens(item.event.summary) + 4  # the bullet and quotes around it
            if note in notes or result.tokens + cost > self._config.budget_tokens:
                continue
            notes.add(note)
            result.items.append(item)
            result.tokens += cost
        return result
