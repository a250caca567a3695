"""Trained heads for the reflection check, beside its rules.

Rules catch the blatant cases ("as an AI language model"); replies that drift out of the world
("I read it on the internet"), paraphrase their guidance ("I'm supposed to validate your
feeling first"), minimise a loss ("time to move on") or assume the opposite of a fact ("tell
Anna I said hello" to a widower) need a model. Four logistic heads over the reply's
MiniLM ⊕ e5 embedding and a few pair features (overlap with the instructions, closeness to
the player's facts); trained on replies of six characters (`make train-persona`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from memory.embedding import unit_rows
from memory.extraction.text import split_sentences
from memory.features import line_features

ARTEFACT = Path(__file__).parent / "artefacts" / "reflection.npz"
Check = Literal[
    "breaks_character", "leaks_prompt", "unsupportive", "contradicts_fact", "wrong_language"
]
HEADS: tuple[Check, ...] = ("breaks_character", "leaks_prompt", "unsupportive", "contradicts_fact")
Matrix = NDArray[np.float32]


def _sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if s.strip()] or [text]


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@dataclass(frozen=True)
class ReplyFeatures:
    """Everything the heads read about one reply; `english` columns are MiniLM."""

    reply: Matrix  # MiniLM ⊕ e5 of the whole reply
    sentences: Matrix  # MiniLM ⊕ e5 of each sentence
    instructions: Matrix  # MiniLM ⊕ e5 of each instruction sentence
    facts: Matrix  # MiniLM ⊕ e5 of each fact
    line: Matrix  # MiniLM ⊕ e5 of the player's line (zeros when unknown)
    reply_text: str
    instructions_text: str
    negated: list[bool]
    questions: list[bool]


def head_features(kind: str, f: ReplyFeatures, split: int) -> Matrix:
    base = line_features(f.reply, split)
    if kind == "leaks_prompt":
        extra = [
            len(_grams(f.reply_text, 4) & _grams(f.instructions_text, 4)) / 5,
            len(_grams(f.reply_text, 3) & _grams(f.instructions_text, 3)) / 10,
            _max_cos(f.sentences, f.instructions, split),
        ]
    elif kind == "contradicts_fact":
        cos = _pair_cos(f.sentences, f.facts, split)
        statements = [i for i, q in enumerate(f.questions) if not q]
        negated = [i for i in statements if f.negated[i]]
        extra = [
            float(cos.max()) if cos.size else 0.0,
            float(cos[statements].max()) if cos.size and statements else 0.0,
            float(cos[negated].max()) if cos.size and negated else 0.0,
            float(len(f.facts) > 0),
        ]
    elif kind == "unsupportive":
        # A reply that answers the grief at all sits near the line; a tale about steel does not.
        extra = [
            _cos(f.reply[:split], f.line[:split]),
            _cos(f.reply[split:], f.line[split:]),
            float(np.any(f.line)),
        ]
    else:
        extra = []
    return np.concatenate([base, 4.0 * np.asarray(extra, dtype=np.float32)]).astype(np.float32)


def _cos(a: Matrix, b: Matrix) -> float:
    """Cosine of two vectors; 0 when either is zero (an unknown line)."""
    return float((unit_rows(a[None, :]) @ unit_rows(b[None, :]).T)[0, 0])


def _pair_cos(a: Matrix, b: Matrix, split: int) -> Matrix:
    """(sentences,) best cosine of each sentence to any of b, in MiniLM space."""
    if not len(a) or not len(b):
        return np.zeros(0, dtype=np.float32)
    return np.asarray((unit_rows(a[:, :split]) @ unit_rows(b[:, :split]).T).max(axis=1))


def _max_cos(a: Matrix, b: Matrix, split: int) -> float:
    cos = _pair_cos(a, b, split)
    return float(cos.max()) if cos.size else 0.0


@dataclass
class ReflectionHeads:
    w: dict[str, Matrix]
    b: dict[str, float]
    threshold: dict[str, float]
    split: int

    def failed(self, f: ReplyFeatures, support: bool) -> list[Check]:
        out: list[Check] = []
        for kind in HEADS:
            if kind == "unsupportive" and not support:
                continue
            if kind == "contradicts_fact" and not len(f.facts):
                continue
            x = head_features(kind, f, self.split)
            p = 1.0 / (1.0 + np.exp(-(float(x @ self.w[kind]) + self.b[kind])))
            if p >= self.threshold[kind]:
                out.append(kind)
        return out

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays: dict[str, object] = {"split": np.int32(self.split), "meta": np.array(repr(meta))}
        for kind in HEADS:
            arrays[f"{kind}_w"] = self.w[kind]
            arrays[f"{kind}_b"] = np.float32(self.b[kind])
            arrays[f"{kind}_t"] = np.float32(self.threshold[kind])
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> ReflectionHeads | None:
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                w={k: data[f"{k}_w"] for k in HEADS},
                b={k: float(data[f"{k}_b"]) for k in HEADS},
                threshold={k: float(data[f"{k}_t"]) for k in HEADS},
                split=int(data["split"]),
            )


def reply_features(
    featurize: object,
    reply: str,
    instructions: str,
    facts: Sequence[str],
    negation: re.Pattern[str],
    line: str = "",
) -> ReplyFeatures:
    """Embed what the heads read in one batch. `featurize`: texts → MiniLM ⊕ e5 rows."""
    sentences = _sentences(reply)
    lines = _sentences(instructions)
    texts = [reply, *sentences, *lines, *facts, *([line] if line else [])]
    m = np.asarray(featurize(texts), dtype=np.float32)  # type: ignore[operator]
    a = 1 + len(sentences)
    b = a + len(lines)
    c = b + len(facts)
    return ReplyFeatures(
        reply=m[0],
        sentences=m[1:a],
        instructions=m[a:b],
        facts=m[b:c],
        line=m[c] if line else np.zeros_like(m[0]),
        reply_text=reply,
        instructions_text=instructions,
        negated=[bool(negation.search(s)) for s in sentences],
        questions=[s.rstrip().endswith(("?", "？")) for s in sentences],
    )
