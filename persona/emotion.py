"""The player's emotion in one line: label, intensity, and whether a friend would offer support.

Three small heads over the same MiniLM ⊕ multilingual-e5 features the gate uses: a softmax over
ten labels, a ridge regression for intensity, a logistic head for "needs support". Trained on
labeled lines in ten languages (`make train-persona`); weights in an .npz file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.features import line_features

ARTEFACT = Path(__file__).parent / "artefacts" / "emotion.npz"
LABELS = (
    "neutral",
    "joy",
    "sadness",
    "anger",
    "fear",
    "surprise",
    "disgust",
    "anxiety",
    "loneliness",
    "gratitude",
)
# The feelings a friend comforts. In every labeled line (train and dev) support goes only with
# these; the support head alone once asked for comfort on a neutral question about the weather
# up north ("我下周要去北方送信，那边冷吗？"), and the turn got a comforting fixed line.
COMFORTED = frozenset({"sadness", "anger", "fear", "anxiety", "loneliness"})
Matrix = NDArray[np.float32]


@dataclass(frozen=True)
class Reading:
    label: str
    intensity: float
    support: bool
    confidence: float


@dataclass
class EmotionReader:
    label_w: Matrix  # (labels, dim)
    label_b: Matrix  # (labels,)
    intensity_w: Matrix  # (dim,)
    intensity_b: float
    support_w: Matrix  # (dim,)
    support_b: float
    support_threshold: float
    split: int

    def read(self, line: Matrix) -> Reading:
        x = line_features(line, self.split)
        logits = self.label_w @ x + self.label_b
        p = np.exp(logits - logits.max())
        p /= p.sum()
        best = int(p.argmax())
        label = LABELS[best]
        intensity = float(np.clip(x @ self.intensity_w + self.intensity_b, 0.0, 1.0))
        if label == "neutral":
            intensity = min(intensity, 0.2)
        support = float(1 / (1 + np.exp(-(x @ self.support_w + self.support_b))))
        needs = label in COMFORTED and support >= self.support_threshold
        return Reading(label, round(intensity, 2), needs, round(float(p[best]), 3))

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            label_w=self.label_w,
            label_b=self.label_b,
            intensity_w=self.intensity_w,
            intensity_b=np.float32(self.intensity_b),
            support_w=self.support_w,
            support_b=np.float32(self.support_b),
            support_threshold=np.float32(self.support_threshold),
            split=np.int32(self.split),
            meta=np.array(repr(meta)),
        )

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> EmotionReader | None:
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                label_w=data["label_w"],
                label_b=data["label_b"],
                intensity_w=data["intensity_w"],
                intensity_b=float(data["intensity_b"]),
                support_w=data["support_w"],
                support_b=float(data["support_b"]),
                support_threshold=float(data["support_threshold"]),
                split=int(data["split"]),
            )


@lru_cache(maxsize=1)
def shipped_reader() -> EmotionReader | None:
    return EmotionReader.load()
