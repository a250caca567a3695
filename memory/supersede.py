"""Does a new note make an older one of the same player no longer true? A small trained judge.

"I moved to Berlin last spring" ends "Lives in Chengdu"; "Rex learned to fetch" leaves "Has a
dog named Rex" standing; "Ahora como carne otra vez" ends "I'm vegetarian". A word list of
negations saw only the first kind of change it was written for, in the languages it was
written in. The judge reads the pair in multilingual-e5, whatever the wording or language:

    p = σ( w₁·v  +  w₂·(u ⊙ v)  +  w₃·|u − v|  +  s·(u·v)  +  b )

with v the new note and u the old one (unit vectors). The first term reads how the new note
speaks (a change: moved, quit, now, no longer, 搬到); the second what the two share (the same
home, the same pet), the third where they differ, the fourth how near they are. Chosen out of
fold over the training pairs against the same without |u − v|, with the old note's own vector,
and with MiniLM's vectors beside e5 (`make eval` has the held-out figures).

It is read only where a relatedness gate finds the two are about the same thing at all: the
nearest notes of a short memory are often about nothing the new one touches, and the judge,
taught on pairs about one thing, then read "Can't stop crying" as ending "Sensitive stomach".
The gate is a second logistic regression over u ⊙ v and the two cosines (e5, and the pool's
MiniLM), trained on the labeled pairs against same-type pairs of notes about other things.
Weights live in an .npz file (no pickle), rebuilt in seconds by `make train-supersede` from the
labeled pairs in tests/data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.bearing import sigmoid
from memory.npz import save_npz

ARTEFACT = Path(__file__).parent / "artefacts" / "supersede.npz"
Matrix = NDArray[np.float32]


def gate_features(new: Matrix, old: Matrix, new_dense: Matrix, old_dense: Matrix) -> Matrix:
    """Rows of (u ⊙ v, u·v in e5, u·v in MiniLM) for the relatedness gate."""
    cosine = np.sum(new * old, axis=1, keepdims=True)
    dense = np.sum(new_dense * old_dense, axis=1, keepdims=True)
    return np.asarray(np.concatenate([new * old, cosine, dense], axis=1), dtype=np.float32)


def pair_features(new: Matrix, old: Matrix) -> Matrix:
    """Rows of (v, u ⊙ v, |u − v|, u·v) for new notes v (n, d) against old notes u (n, d),
    unit e5."""
    cosine = np.sum(new * old, axis=1, keepdims=True)
    parts = [new, new * old, np.abs(new - old), cosine]
    return np.asarray(np.concatenate(parts, axis=1), dtype=np.float32)


@dataclass
class Scorer:
    """Logistic regression over one kind of pair features."""

    weights: Matrix
    bias: float
    threshold: float

    def __call__(self, x: Matrix) -> Matrix:
        return sigmoid(x @ self.weights + self.bias)


@dataclass
class SupersedeJudge:
    ends: Scorer  # over pair_features: does the new note end the old one?
    related: Scorer  # over gate_features: are they about the same thing at all?

    def probabilities(
        self, new: Matrix, old: Matrix, new_dense: Matrix, old_dense: Matrix
    ) -> Matrix:
        """How likely the new note ends each old note: unit e5 vectors new (d,) and old (m, d),
        and the same in the pool's MiniLM; 0 where the gate finds them unrelated."""
        if len(old) == 0:
            return np.zeros(0, dtype=np.float32)
        v, dense = np.broadcast_to(new, old.shape), np.broadcast_to(new_dense, old_dense.shape)
        related = self.related(gate_features(v, old, dense, old_dense)) >= self.related.threshold
        return np.where(related, self.ends(pair_features(v, old)), 0.0).astype(np.float32)

    def replaced(
        self, new: Matrix, old: Matrix, new_dense: Matrix, old_dense: Matrix
    ) -> int | None:
        """Which old note the new one ends (the likeliest above the threshold), if any."""
        p = self.probabilities(new, old, new_dense, old_dense)
        if len(p) == 0 or float(p.max()) < self.ends.threshold:
            return None
        return int(p.argmax())

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays = {
            f"{name}_{field}": np.asarray(getattr(scorer, field), dtype=np.float32)
            for name, scorer in (("ends", self.ends), ("related", self.related))
            for field in ("weights", "bias", "threshold")
        }
        save_npz(path, arrays, {"meta": repr(meta)})

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> SupersedeJudge | None:
        """The trained judge, or None where none has been trained (then only an identity note
        of the same slot, such as a new home, replaces an old one)."""
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            scorers = [
                Scorer(
                    weights=data[f"{name}_weights"].astype(np.float32),
                    bias=float(data[f"{name}_bias"]),
                    threshold=float(data[f"{name}_threshold"]),
                )
                for name in ("ends", "related")
            ]
        return cls(*scorers)
