"""Whether a line keeps or breaks a promise the player made to the character.

A softmax head over the line's features and its agreement with the promise (MiniLM ⊕
multilingual-e5, the features the gate and the emotion reader use), trained on labeled
(promise, line) pairs in ten languages by `make train-persona`. "Here's your charcoal!" keeps
"promised to bring the smith charcoal"; "sorry, I forgot" breaks it; "I'll bring it tomorrow"
does neither. A kept promise raises affinity, a broken one lowers it, and either way the promise
stops being a standing fact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from memory.features import line_features
from memory.npz import save_npz

ARTEFACT = Path(__file__).parent / "artefacts" / "commitment.npz"
OUTCOMES = ("neither", "kept", "broken")
Outcome = Literal["kept", "broken"]
Matrix = NDArray[np.float32]
# The two cosines are two numbers beside ~1,500 dimensions: scaled so the head hears them.
COSINE_SCALE = 4.0


def pair_features(line: Matrix, promise: Matrix, split: int) -> Matrix:
    """The line, how it differs from the promise, and how close the two are."""
    u, v = line_features(line, split), line_features(promise, split)
    cosines = [float(u[:split] @ v[:split]), float(u[split:] @ v[split:])]
    return np.concatenate([u, u - v, COSINE_SCALE * np.array(cosines, np.float32)]).astype(
        np.float32
    )


@dataclass(frozen=True)
class Verdict:
    event_id: str
    outcome: Outcome
    confidence: float


@dataclass
class CommitmentJudge:
    weights: Matrix  # (3, dim), rows in OUTCOMES order
    bias: Matrix  # (3,)
    threshold: float  # least probability of kept/broken to act on
    split: int

    def _softmax(self, features: Matrix) -> Matrix:
        logits = self.weights @ features + self.bias
        p: Matrix = np.exp(logits - logits.max()).astype(np.float32)
        p /= p.sum()
        return p

    def judge(
        self,
        featurize: Callable[[list[str]], np.ndarray],
        line: str,
        promises: Sequence[tuple[str, str]],
    ) -> Verdict | None:
        """The promise (event id, summary) this line most surely keeps or breaks, if any."""
        if not promises:
            return None
        vectors = featurize([line, *(summary for _, summary in promises)])
        best: tuple[float, Verdict] | None = None
        for (event_id, _), promise in zip(promises, vectors[1:], strict=True):
            features = pair_features(vectors[0], promise, self.split)
            p = self._softmax(features)
            index = int(p.argmax())
            if index == 0 or p[index] < self.threshold:
                continue
            outcome: Outcome = "kept" if OUTCOMES[index] == "kept" else "broken"
            # "Sorry, I forgot" reads as broken against every open promise: the one the line
            # speaks of is the one closest to it in meaning.
            closeness = float(features[-1])
            if best is None or closeness > best[0]:
                best = (closeness, Verdict(event_id, outcome, round(float(p[index]), 3)))
        return best[1] if best is not None else None

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays = {
            "weights": self.weights,
            "bias": self.bias,
            "threshold": np.float32(self.threshold),
            "split": np.int32(self.split),
        }
        save_npz(path, arrays, meta)

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> CommitmentJudge:
        with np.load(path) as data:
            return cls(
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                threshold=float(data["threshold"]),
                split=int(data["split"]),
            )


@lru_cache(maxsize=1)
def shipped_judge() -> CommitmentJudge:
    return CommitmentJudge.load()
