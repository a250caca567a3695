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
and with MiniLM's vectors beside e5 (`make eval` has the held-out figures). Weights live in
an .npz file (no pickle), rebuilt in seconds by `make train-supersede` from the labeled pairs
in tests/data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.npz import save_npz

ARTEFACT = Path(__file__).parent / "artefacts" / "supersede.npz"
Matrix = NDArray[np.float32]


def pair_features(new: Matrix, old: Matrix) -> Matrix:
    """Rows of (v, u ⊙ v, |u − v|, u·v) for new notes v (n, d) against old notes u (n, d),
    unit e5."""
    cosine = np.sum(new * old, axis=1, keepdims=True)
    parts = [new, new * old, np.abs(new - old), cosine]
    return np.asarray(np.concatenate(parts, axis=1), dtype=np.float32)


@dataclass
class SupersedeJudge:
    weights: Matrix  # (3d + 1,)
    bias: float
    threshold: float = 0.5

    def probabilities(self, new: Matrix, old: Matrix) -> Matrix:
        """How likely the new note (d,) ends each old note (m, d), all unit e5 vectors."""
        if len(old) == 0:
            return np.zeros(0, dtype=np.float32)
        logits = pair_features(np.broadcast_to(new, old.shape), old) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)

    def replaced(self, new: Matrix, old: Matrix) -> int | None:
        """Which old note the new one ends (the likeliest above the threshold), if any."""
        p = self.probabilities(new, old)
        if len(p) == 0 or float(p.max()) < self.threshold:
            return None
        return int(p.argmax())

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays = {
            "weights": self.weights.astype(np.float32),
            "bias": np.float32(self.bias),
            "threshold": np.float32(self.threshold),
        }
        save_npz(path, arrays, {"meta": repr(meta)})

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> SupersedeJudge | None:
        """The trained judge, or None where none has been trained (then only an identity note
        of the same slot, such as a new home, replaces an old one)."""
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                weights=data["weights"].astype(np.float32),
                bias=float(data["bias"]),
                threshold=float(data["threshold"]),
            )
