"""The MiniLM ⊕ e5 features that the trained heads read, computed once per text.

The gate, the emotion reader, the reflection check and the bearing judge all read the same
lines, replies and memories turn after turn: one cache in front of the featurizer serves them
all. Callers run it from worker threads (`asyncio.to_thread`); their requests are combined.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from core.language import language_of
from memory.embedding import Embedder, shared_minilm, unit, unit_rows
from memory.extraction.classifier import Featurizer


class Featurize(Protocol):
    """Texts to rows of MiniLM (the first `english_dim` columns) and e5 features."""

    @property
    def dim(self) -> int: ...

    @property
    def english_dim(self) -> int: ...

    def __call__(self, texts: list[str]) -> np.ndarray: ...


class CachedFeaturize:
    """Instructions and facts come back turn after turn, and the check reads a reply the
    emotion reader has just read: embed each text once.

    Concurrent callers (turns answered at once, the worker beside them) are combined: while one
    thread runs the models, the texts others ask for are queued, and the next thread to run
    takes them all in one batch. A transformer on the CPU embeds a batch of 16 in far less
    than 16 times one text's time."""

    def __init__(self, featurize: Featurize, size: int = 4096, batch: int = 64) -> None:
        self._featurize = featurize
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._batch = batch
        self._queued: dict[str, None] = {}  # insertion-ordered set
        self._in_flight: set[str] = set()
        self._running = False
        self._turn = threading.Condition()

    @property
    def dim(self) -> int:
        return self._featurize.dim

    @property
    def english_dim(self) -> int:
        return self._featurize.english_dim

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._turn:
            while True:
                missing = [t for t in texts if t not in self._cache]
                if not missing:
                    break
                self._queued.update(dict.fromkeys(t for t in missing if t not in self._in_flight))
                if self._running:
                    self._turn.wait()  # another thread is embedding, maybe ours among them
                    continue
                self._run_queued()
            rows = []
            for text in texts:
                self._cache.move_to_end(text)
                rows.append(self._cache[text])
            return np.stack(rows)

    def _run_queued(self) -> None:
        """Embed a batch of the queue with the lock released; called holding it."""
        batch = list(self._queued)[: self._batch]
        for text in batch:
            del self._queued[text]
        self._in_flight = set(batch)
        self._running = True
        self._turn.release()
        try:
            computed = self._featurize(batch)
        finally:
            self._turn.acquire()
            self._running, self._in_flight = False, set()
            self._turn.notify_all()
        for text, row in zip(batch, computed, strict=True):
            self._cache[text] = row
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)


def multilingual(featurize: Featurize, texts: list[str]) -> np.ndarray:
    """The e5 half of the features, unit length: what reads across languages."""
    return unit_rows(np.asarray(featurize(texts), dtype=np.float32)[:, featurize.english_dim :])


def line_features(line: NDArray[np.float32], split: int) -> NDArray[np.float32]:
    """One text's row as the trained heads read it: each model's half at unit length."""
    return np.concatenate([unit(line[:split]), unit(line[split:])]).astype(np.float32)


def english_pairs(line: str, texts: Sequence[str]) -> NDArray[np.bool_]:
    """For each text: are it and the line both English, where MiniLM reads them well?"""
    if language_of(line) != "en":
        return np.zeros(len(texts), dtype=bool)
    return np.array([language_of(t) == "en" for t in texts], dtype=bool)


@cache
def shared_featurizer() -> CachedFeaturize:
    """One featurizer per process, with its cache: loading the models takes seconds."""
    return CachedFeaturize(Featurizer(shared_minilm()))


@dataclass(frozen=True)
class NoteVectors:
    """What recall reads of notes, computed once when they are written and stored beside them:
    the pool's embedding (dense search, the judge's MiniLM half) and e5 (the judge's
    multilingual half; None where no judge reads it)."""

    dense: list[list[float]]
    e5: list[list[float]] | None


class NoteEmbedder:
    """Embeds notes as they are written, so no query ever embeds a stored memory again."""

    def __init__(
        self, embedder: Embedder, featurize: Featurize | None, *, dense_in_features: bool = False
    ) -> None:
        """`featurize`: the MiniLM ⊕ e5 featurizer (None: no e5 stored); `dense_in_features`:
        the embedder is the featurizer's own MiniLM, so one call gives both."""
        self._embedder = embedder
        self._featurize = featurize
        self._dense_in_features = dense_in_features and featurize is not None

    @property
    def dim(self) -> int:
        return self._embedder.dim

    async def dense(self, texts: Sequence[str]) -> list[list[float]]:
        return await self._embedder.embed(texts)

    async def __call__(self, texts: Sequence[str]) -> NoteVectors:
        featurize = self._featurize
        if not texts or featurize is None:
            return NoteVectors(await self._embedder.embed(texts), None)
        rows = await asyncio.to_thread(featurize, list(texts))
        e5 = unit_rows(rows[:, featurize.english_dim :]).tolist()
        if self._dense_in_features:
            return NoteVectors(rows[:, : featurize.english_dim].tolist(), e5)
        return NoteVectors(await self._embedder.embed(texts), e5)


def shared_note_embedder() -> NoteEmbedder:
    """Notes embedded as the embedded mode writes them: MiniLM and e5 in one featurizer call."""
    return NoteEmbedder(shared_minilm(), shared_featurizer(), dense_in_features=True)
