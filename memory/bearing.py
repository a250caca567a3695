"""Does a stored memory bear on the player's new line? A small judge trained on labeled pairs.

Plain similarity does not link "I really want hotpot tonight" to "has a sensitive stomach"
(cosine 0.12). The judge reads both MiniLM embeddings together — their product and difference,
and the memory's type — so it learns which kinds of lines call up which kinds of facts.
Weights live in an .npz file (no pickle), rebuilt by `make train-recall` from
tests/data/recall_train.jsonl.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.events import EVENT_TYPES

ARTEFACT = Path(__file__).parent / "artefacts" / "bearing.npz"
Matrix = NDArray[np.float32]


def pair_features(line: Matrix, memories: Matrix, types: Sequence[str]) -> Matrix:
    """Features of (line, memory) pairs: line (d,), memories (m, d) → (m, 4d + types)."""
    u = np.broadcast_to(line, memories.shape)
    one_hot = np.zeros((len(types), len(EVENT_TYPES)), dtype=np.float32)
    for i, kind in enumerate(types):
        if kind in EVENT_TYPES:
            one_hot[i, EVENT_TYPES.index(kind)] = 1.0
    return np.concatenate([u, memories, u * memories, np.abs(u - memories), one_hot], axis=1)


def select(probabilities: Matrix, threshold: float, cap: int, margin: float) -> list[int]:
    """Indices the judge lets through: above the threshold, within `margin` of the best one,
    at most `cap` of them, most probable first."""
    order = [int(i) for i in np.argsort(-probabilities)]
    if not order:
        return []
    floor = max(threshold, float(probabilities[order[0]]) - margin)
    return [i for i in order[:cap] if probabilities[i] >= floor]


@dataclass
class BearingJudge:
    w: Matrix
    b: float
    threshold: float = 0.5
    cap: int = 3
    margin: float = 1.0

    def choose(
        self, line: Matrix, memories: Matrix, types: Sequence[str]
    ) -> list[tuple[int, float]]:
        """(index, probability) of the memories that bear on the line, best first."""
        p = self.probabilities(line, memories, types)
        return [(i, float(p[i])) for i in select(p, self.threshold, self.cap, self.margin)]

    def probabilities(self, line: Matrix, memories: Matrix, types: Sequence[str]) -> Matrix:
        if len(types) == 0:
            return np.zeros(0, dtype=np.float32)
        x = pair_features(line, memories, types)
        return np.asarray(1.0 / (1.0 + np.exp(-(x @ self.w + self.b))), dtype=np.float32)

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            w=self.w,
            b=np.float32(self.b),
            threshold=np.float32(self.threshold),
            cap=np.int32(self.cap),
            margin=np.float32(self.margin),
            meta=np.array(repr(meta)),
        )

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> BearingJudge | None:
        """The trained judge, or None where none has been trained (recall then goes without)."""
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                w=data["w"],
                b=float(data["b"]),
                threshold=float(data["threshold"]),
                cap=int(data["cap"]),
                margin=float(data["margin"]),
            )
