"""The refusal gate, before generation: answer, or refuse in character, and why.

A line is read two ways. On its own (MiniLM ⊕ multilingual-e5 embedding): programming, stock
prices, "ignore your instructions" look alike whatever the persona. Against the persona: how
close the line comes to any sentence of what the character knows, its world and background,
and what lies outside its world, in both embedding spaces. A logistic head over both, trained
on labeled lines for six personas of different worlds, gives the probability that the line is
outside the character's world; a second head tells an instruction attack from a plain
out-of-world question. Weights are plain arrays in an .npz file (`make train-persona`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from memory.embedding import unit, unit_rows
from memory.extraction.text import split_sentences
from memory.features import line_features

ARTEFACT = Path(__file__).parent / "artefacts" / "gate.npz"
Matrix = NDArray[np.float32]
Reason = Literal["out_of_world", "attack"]


@dataclass(frozen=True)
class PersonaText:
    """The parts of a persona the gate reads."""

    knowledge: str
    world: str
    outside: str

    def sentences(self) -> tuple[list[str], list[str], list[str]]:
        return (_sentences(self.knowledge), _sentences(self.world), _sentences(self.outside))


def _sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(s) > 3][:40]


@dataclass(frozen=True)
class Verdict:
    refused: bool
    probability: float
    reason: Reason | None


def persona_features(line: Matrix, parts: tuple[Matrix, Matrix, Matrix], split: int) -> Matrix:
    """Max cosine of the line to the sentences of knowledge, world and outside, in each of the
    two embedding spaces (columns before `split` are MiniLM, after it e5), and the outside
    minus knowledge margins. Empty parts count as cosine 0."""
    features = []
    for lo, hi in ((0, split), (split, line.shape[0])):
        u = unit(line[lo:hi])
        closest = [
            float((unit_rows(part[:, lo:hi]) @ u).max()) if len(part) else 0.0 for part in parts
        ]
        features += [*closest, closest[2] - closest[0], closest[2] - closest[1]]
    return np.asarray(features, dtype=np.float32)


def gate_features(line: Matrix, parts: tuple[Matrix, Matrix, Matrix], split: int) -> Matrix:
    return np.concatenate(
        [line_features(line, split), PERSONA_SCALE * persona_features(line, parts, split)]
    )


# Persona features are a handful of cosines beside 768 embedding dimensions: scaled up so the
# regularised head does not drown them.
PERSONA_SCALE = 4.0


@dataclass
class RefusalGate:
    w: Matrix
    b: float
    attack_w: Matrix
    attack_b: float
    threshold: float
    split: int

    def verdict(
        self, line: Matrix, parts: tuple[Matrix, Matrix, Matrix], threshold: float | None = None
    ) -> Verdict:
        if not any(len(part) for part in parts):
            # A persona with no world, knowledge or outside text gives the gate nothing to
            # weigh the line against; it was never trained that way, so it does not refuse.
            return Verdict(False, 0.0, None)
        x = gate_features(line, parts, self.split)
        p = float(_sigmoid(x @ self.w + self.b))
        refused = p >= (threshold if threshold is not None else self.threshold)
        reason: Reason | None = None
        if refused:
            attack = float(
                _sigmoid(line_features(line, self.split) @ self.attack_w + self.attack_b)
            )
            reason = "attack" if attack >= 0.5 else "out_of_world"
        return Verdict(refused, round(p, 4), reason)

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            w=self.w,
            b=np.float32(self.b),
            attack_w=self.attack_w,
            attack_b=np.float32(self.attack_b),
            threshold=np.float32(self.threshold),
            split=np.int32(self.split),
            meta=np.array(repr(meta)),
        )

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> RefusalGate | None:
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                w=data["w"],
                b=float(data["b"]),
                attack_w=data["attack_w"],
                attack_b=float(data["attack_b"]),
                threshold=float(data["threshold"]),
                split=int(data["split"]),
            )


def _sigmoid(x: Matrix | float) -> Matrix:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x))), dtype=np.float32)


@lru_cache(maxsize=1)
def shipped_gate() -> RefusalGate | None:
    return RefusalGate.load()
