"""Does a stored memory bear on the player's new line? A small judge trained on labeled pairs.

Plain similarity does not link "I really want hotpot tonight" to "has a sensitive stomach"
(cosine 0.12). A scorer reads a (line, memory) pair of unit embeddings u, v as

    (A u)·(B v)  +  w·(u ⊙ v)  +  (c_type + s_type · u·v)  +  b

The low-rank bilinear term maps directions of one sentence onto other directions of the other
(food onto digestion, heights onto fear), which a similarity cannot do; the diagonal term and the
per-type scale keep what similarity already knows.

The judge mixes two such scorers: one over MiniLM (the pool's own vectors, strong on English)
and one over multilingual-e5 (reads every language). MiniLM has a say only where the line and
the memory are both English: elsewhere its vectors say little, and its scorer's confident
"no" outvoted e5 ("¡Mañana subimos al campanario!" and "Tengo vértigo": e5 0.95, mixed 0.37).
The mix and the selection policy are picked out of fold. Weights live in an .npz file (no
pickle), rebuilt by `make train-recall` from the labeled pairs in tests/data. An artefact of the
MiniLM-only judge still loads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.events import EVENT_TYPES
from memory.npz import save_npz

ARTEFACT = Path(__file__).parent / "artefacts" / "bearing.npz"
Matrix = NDArray[np.float32]
_FIELDS = ("a", "b_", "w", "type_bias", "type_scale", "bias")


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


def sigmoid(x: np.ndarray) -> Matrix:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float32)


def mixed(
    minilm: np.ndarray, e5: np.ndarray, mix: float, english: NDArray[np.bool_] | None
) -> np.ndarray:
    """The two scorers' logits mixed where both texts are English, e5's alone elsewhere."""
    both = (1 - mix) * minilm + mix * e5
    return both if english is None else np.where(english, both, e5)


@dataclass
class Scorer:
    """The formula above over one embedding."""

    a: Matrix  # (rank, dim)
    b_: Matrix  # (rank, dim)
    w: Matrix  # (dim,)
    type_bias: Matrix  # (types + 1,)
    type_scale: Matrix  # (types + 1,)
    bias: float

    def logits(self, line: Matrix, memories: Matrix, types: Sequence[str]) -> Matrix:
        """`line` (d,) and `memories` (m, d), unit length."""
        t = type_index(types)
        cosine = memories @ line
        # (M Bᵀ)(A u) = M (Bᵀ A u) and (M ⊙ u) w = M (u ⊙ w): matrix-vector products only,
        # fifteen times cheaper than the matrix product for a turn's ~35 memories.
        direction = self.b_.T @ (self.a @ line) + line * self.w
        return np.asarray(
            memories @ direction + self.type_bias[t] + self.type_scale[t] * cosine + self.bias,
            dtype=np.float32,
        )

    def arrays(self, prefix: str) -> dict[str, object]:
        return {
            f"{prefix}a": self.a.astype(np.float16),
            f"{prefix}b_": self.b_.astype(np.float16),
            f"{prefix}w": self.w,
            f"{prefix}type_bias": self.type_bias,
            f"{prefix}type_scale": self.type_scale,
            f"{prefix}bias": np.float32(self.bias),
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], prefix: str) -> Scorer:
        a, b_, w, type_bias, type_scale, bias = (data[prefix + f] for f in _FIELDS)
        return cls(
            a=a.astype(np.float32),
            b_=b_.astype(np.float32),
            w=w.astype(np.float32),
            type_bias=type_bias.astype(np.float32),
            type_scale=type_scale.astype(np.float32),
            bias=float(bias),
        )


@dataclass
class BearingJudge:
    minilm: Scorer
    e5: Scorer | None = None
    mix: float = 0.0  # the e5 scorer's share of the logit
    threshold: float = 0.5
    cap: int = 2
    margin: float = 1.0

    @property
    def reads_e5(self) -> bool:
        return self.e5 is not None and self.mix > 0

    def minilm_only(self) -> BearingJudge:
        """The same judge without its e5 scorer: cheaper, weaker beyond English."""
        return replace(self, e5=None, mix=0.0)

    def choose(
        self,
        line: Matrix,
        memories: Matrix,
        types: Sequence[str],
        e5: tuple[Matrix, Matrix] | None = None,
        english: NDArray[np.bool_] | None = None,
    ) -> list[tuple[int, float]]:
        """(index, probability) of the memories that bear on the line, best first."""
        p = self.probabilities(line, memories, types, e5, english)
        return [(i, float(p[i])) for i in select(p, self.threshold, self.cap, self.margin)]

    def probabilities(
        self,
        line: Matrix,
        memories: Matrix,
        types: Sequence[str],
        e5: tuple[Matrix, Matrix] | None = None,
        english: NDArray[np.bool_] | None = None,
    ) -> Matrix:
        """MiniLM vectors of the line (d,) and memories (m, d); `e5`: the same in e5, which a
        judge that reads e5 needs; `english`: which memories are, like the line, in English
        (None: all)."""
        if len(types) == 0:
            return np.zeros(0, dtype=np.float32)
        logits = self.minilm.logits(line, memories, types)
        if self.reads_e5:
            if e5 is None:
                raise ValueError("this bearing judge reads e5 vectors too")
            assert self.e5 is not None
            logits = mixed(logits, self.e5.logits(*e5, types), self.mix, english)
        return sigmoid(logits)

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays = self.minilm.arrays("minilm_")
        if self.e5 is not None:
            arrays |= self.e5.arrays("e5_")
        arrays |= {
            "mix": np.float32(self.mix),
            "threshold": np.float32(self.threshold),
            "cap": np.int32(self.cap),
            "margin": np.float32(self.margin),
        }
        save_npz(path, arrays, {"meta": repr(meta)})

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> BearingJudge | None:
        """The trained judge, or None where none has been trained (recall then goes without)."""
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            if "minilm_a" in data:
                minilm = Scorer.from_arrays(data, "minilm_")
                e5 = Scorer.from_arrays(data, "e5_") if "e5_a" in data else None
                mix = float(data["mix"])
            elif "a" in data:  # the MiniLM-only judge
                minilm, e5, mix = Scorer.from_arrays(data, ""), None, 0.0
            else:  # an artefact of the earlier linear judge: retrain
                return None
            return cls(
                minilm=minilm,
                e5=e5,
                mix=mix,
                threshold=float(data["threshold"]),
                cap=int(data["cap"]),
                margin=float(data["margin"]),
            )
