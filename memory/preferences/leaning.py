"""A player's own leaning over what the character keeps of them: the per-player module.

The general extractor decides what a line holds; the leaning shifts what is kept and how much
it weighs, for this player with this character. It is a handful of numbers per event type
(kilobytes as JSON): a bias added to the type head's logit, an importance shift, and the kinds
the player asked not to be kept at all. A new player has none of it and gets the general
model. The persona's extraction settings stay the outer bound: the leaning can only narrow them.

Why per-type numbers and not a per-player head over the features or per-player LoRA weights:
what players say about their memory names kinds of facts ("my health stuff", "my plans"), and
one player gives a few signals, not hundreds; `python -m eval.preferences` measures the head
form beside this one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pydantic import BaseModel, Field

from memory.extraction.extractor import Candidate, types_of

# How far one signal moves a kind, in logits of the type head. Three brush-offs move a clear
# line (type probability ~0.9) below the keep threshold; one does not.
BRUSH_OFF = -1.0
ENGAGED = 0.5
DELETED_BY_GAME = -1.0
FORGOT_ONE = -1.0  # "forget that", with no kind named
REMEMBER = 1.0
BIAS_RANGE = (-6.0, 0.0)  # a player narrows what is kept; remembering undoes a lowering
UNRATED_CONFIDENCE = 0.9
KEEP_THRESHOLD = 0.4  # the type head's own threshold
IMPORTANCE_RANGE = (-3.0, 3.0)
_SEEN = 32  # the last turns applied, so a replayed stream entry does not count twice


class Leaning(BaseModel):
    """One player's leaning with one character; stored beside the player's data."""

    bias: dict[str, float] = Field(
        default_factory=dict,
        description="Per event type, added to the extractor's type logit: below zero, kept "
        "less readily; above, more.",
    )
    importance: dict[str, float] = Field(
        default_factory=dict, description="Per event type, added to a kept event's importance."
    )
    blocked: list[str] = Field(
        default_factory=list, description="Types the player asked not to be kept at all."
    )
    signals: int = Field(0, description="How many signals shaped it.")
    seen: list[str] = Field(default_factory=list, description="The last turn ids applied.")

    @property
    def is_cold(self) -> bool:
        return not self.bias and not self.importance and not self.blocked

    def already_applied(self, turn_id: str) -> bool:
        return turn_id in self.seen

    def mark_applied(self, turn_id: str) -> None:
        self.seen = [*self.seen, turn_id][-_SEEN:]

    def nudge(self, kinds: Iterable[str], amount: float) -> None:
        lo, hi = BIAS_RANGE
        for kind in set(kinds):
            moved = round(min(hi, max(lo, self.bias.get(kind, 0.0) + amount)), 3)
            if moved:
                self.bias[kind] = moved
            else:
                self.bias.pop(kind, None)  # back to the general model
        self.signals += 1

    def weigh(self, kinds: Iterable[str], amount: float) -> None:
        lo, hi = IMPORTANCE_RANGE
        for kind in set(kinds):
            self.importance[kind] = min(hi, max(lo, self.importance.get(kind, 0.0) + amount))

    def block(self, kind: str) -> None:
        if kind not in self.blocked:
            self.blocked = [*self.blocked, kind]
        self.bias[kind] = BIAS_RANGE[0]
        self.signals += 1

    def unblock(self, kind: str) -> None:
        """The player asked for the kind to be kept after all: back to the general model."""
        self.blocked = [k for k in self.blocked if k != kind]
        self.bias.pop(kind, None)
        self.signals += 1

    def extraction_bias(self) -> dict[str, float]:
        """What the extractor adds to its type logits. Not the blocked kinds': a health line
        must still be read as health, so that it is dropped whole rather than kept under the
        next likeliest kind ("my chest was tight, I could barely breathe" as an experience)."""
        return {k: v for k, v in self.bias.items() if k not in self.blocked}

    def keeps(self, candidate: Candidate) -> bool:
        """Whether a candidate of an extractor that does not read the bias survives it."""
        kinds = types_of(candidate)
        if kinds & set(self.blocked):
            return False
        shift = min(self.bias.get(k, 0.0) for k in kinds)
        # A model's note carries no confidence (1.0): read it as a clear line of the heads.
        p = candidate.confidence if candidate.confidence < 1.0 else UNRATED_CONFIDENCE
        p = min(max(p, 1e-4), 1 - 1e-4)
        return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + shift))) >= KEEP_THRESHOLD

    def reweigh(self, candidates: list[Candidate], *, biased: bool) -> list[Candidate]:
        """Kept candidates with their importance shifted by the player's leaning; `biased`:
        the extractor applied the bias itself (only the blocked kinds are checked again)."""
        out = []
        for cand in candidates:
            if types_of(cand) & set(self.blocked) or not (biased or self.keeps(cand)):
                continue
            shift = max(self.importance.get(k, 0.0) for k in types_of(cand))
            importance = int(min(10, max(1, round(cand.importance + shift))))
            out.append(cand.model_copy(update={"importance": importance}))
        return out
