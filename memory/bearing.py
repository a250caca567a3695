"""Does a stored memory bear on the player's new line? A small judge trained on labeled pairs.

Plain similarity does not link "I really want hotpot tonight" to "has a sensitive stomach"
(cosine 0.12). The judge scores a (line, memory) pair of MiniLM embeddings u, v with

    (A u)·(B v)  +  w·(u ⊙ v)  +  (c_type + s_type · u·v)  +  b

The low-rank bilinear term maps directions of one sentence onto other directions of the other
(food onto digestion, heights onto fear), which a similarity cannot do; the diagonal term and the
per-type scale keep what similarity already knows. Weights live in an .npz file (no pickle),
rebuilt by `make train-recall` from the labeled pairs in tests/data.
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


def type_index(types: Sequence[str]) -> NDArray[np.int64]:
    """Row of each type in the per-type weights; unknown types (custom, derived) share the last."""
    return np.array(
        [EVENT_TYPES.index(t) if t in EVENT_TYPES else len(EVENT_TYPES) for t in types],
        dtype=np.int64,
    )


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
    a: Matrix  # (rank, dim)
    b_: Matrix  # (rank, dim)
    w: Matrix  # (dim,)
    type_bias: Matrix  # (types + 1,)
    type_scale: Matrix  # (types + 1,)
    bias: float
    threshold: float = 0.5
    cap: int = 2
    margin: float = 1.0

    def choose(
        self, line: Matrix, memories: Matrix, types: Sequence[str]
    ) -> list[tuple[int, float]]:
        """(index, probability) of the memories that bear on the line, best first."""
        p = self.probabilities(line, memories, types)
        return [(i, float(p[i])) for i in select(p, self.threshold, self.cap, self.margin)]

    def probabilities(self, line: Matrix, memories: Matrix, types: Sequence[str]) -> Matrix:
        """`line` (d,) and `memories` (m, d), unit length."""
        if len(types) == 0:
            return np.zeros(0, dtype=np.float32)
        t = type_index(types)
        cosine = memories @ line
        logits = (
            (memories @ self.b_.T) @ (self.a @ line)
            + (memories * line) @ self.w
            + self.type_bias[t]
            + self.type_scale[t] * cosine
            + self.bias
        )
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            a=self.a.astype(np.float16),
            b_=self.b_.astype(np.float16),
            w=self.w,
            type_bias=self.type_bias,
            type_scale=self.type_scale,
            bias=np.float32(self.bias),
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
            if "a" not in data:  # an artefact of the earlier linear judge: retrain
                return None
            return cls(
                a=data["a"].astype(np.float32),
                b_=data["b_"].astype(np.float32),
                w=data["w"],
                type_bias=data["type_bias"],
                type_scale=data["type_scale"],
                bias=float(data["bias"]),
                threshold=float(data["threshold"]),
                cap=int(data["cap"]),
                margin=float(data["margin"]),
            )
