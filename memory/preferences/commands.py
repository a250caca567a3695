"""What a player line asks of the character's memory, read by trained heads.

"Forget that", "don't remember my health stuff", "remember this, it matters to me", "that's
not true anymore", "let's not talk about that": said in any supported language, they are
commands about the memory, not facts. Three small heads over the multilingual-e5 half of the
features every other head reads (the MiniLM half made held-out lines worse: it reads English):
the intent (softmax), the kind of fact it names (softmax, "none" where it names none), and
whether it speaks of a whole kind or of one thing. Trained on labeled lines by
`make train-preferences` (`memory/preferences/commands_train.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from memory.embedding import unit
from memory.events import EVENT_TYPES

ARTEFACT = Path(__file__).resolve().parents[1] / "artefacts" / "commands.npz"
Intent = Literal["none", "forget", "remember", "outdated", "brush_off"]
INTENTS: tuple[str, ...] = get_args(Intent)
TARGETS: tuple[str, ...] = ("none", *EVENT_TYPES)
ENDING = ("forget", "outdated")  # the intents that end events
Matrix = NDArray[np.float32]


@dataclass(frozen=True)
class Command:
    intent: Intent
    target: str | None  # the kind of fact it names, or None ("forget that")
    whole_kind: bool  # "don't remember my health stuff", not "forget my dog's name"
    confidence: float

    @property
    def is_command(self) -> bool:
        return self.intent != "none"


def _softmax(logits: Matrix) -> Matrix:
    z = np.exp(logits - logits.max())
    return np.asarray(z / z.sum(), dtype=np.float32)


@dataclass
class CommandReader:
    intent_w: Matrix  # (intents, dim)
    intent_b: Matrix
    target_w: Matrix  # (targets, dim)
    target_b: Matrix
    scope_w: Matrix  # (dim,)
    scope_b: float
    # The intent head's probability a line needs before it is acted on, set out of fold on
    # ordinary lines: a false "forget" or "outdated" ends a fact the player wanted kept, so
    # those two need more.
    threshold: float
    ending_threshold: float
    split: int

    def read(self, row: Matrix) -> Command:
        """`row`: the line's MiniLM ⊕ e5 features (the shared featurizer's row)."""
        x = unit(np.asarray(row[self.split :], dtype=np.float32))
        p = _softmax(self.intent_w @ x + self.intent_b)
        best = int(p.argmax())
        intent = INTENTS[best]
        bar = self.ending_threshold if intent in ENDING else self.threshold
        if intent != "none" and p[best] < bar:
            intent = "none"
        target = TARGETS[int((self.target_w @ x + self.target_b).argmax())]
        whole = float(x @ self.scope_w + self.scope_b) > 0.0
        return Command(
            intent=intent,  # type: ignore[arg-type]  # an element of INTENTS
            target=None if intent in ("none", "brush_off") or target == "none" else target,
            whole_kind=whole and intent in ("forget", "remember"),
            confidence=round(float(p[best]), 3),
        )

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            intent_w=self.intent_w,
            intent_b=self.intent_b,
            target_w=self.target_w,
            target_b=self.target_b,
            scope_w=self.scope_w,
            scope_b=np.float32(self.scope_b),
            threshold=np.float32(self.threshold),
            ending_threshold=np.float32(self.ending_threshold),
            split=np.int32(self.split),
            intents=np.array(INTENTS),
            targets=np.array(TARGETS),
            meta=np.array(repr(meta)),
        )

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> CommandReader | None:
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            if tuple(data["intents"]) != INTENTS or tuple(data["targets"]) != TARGETS:
                raise ValueError(f"{path} was trained for other labels; run make train-preferences")
            return cls(
                intent_w=data["intent_w"],
                intent_b=data["intent_b"],
                target_w=data["target_w"],
                target_b=data["target_b"],
                scope_w=data["scope_w"],
                scope_b=float(data["scope_b"]),
                threshold=float(data["threshold"]),
                ending_threshold=float(data["ending_threshold"]),
                split=int(data["split"]),
            )


@lru_cache(maxsize=1)
def shipped_reader() -> CommandReader | None:
    return CommandReader.load()
