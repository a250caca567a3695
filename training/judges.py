"""Judges of a reply against the player's memories: does it refer to a memory, and does it
state something about the player that no memory holds. The data filters and the dialogue eval
both use them.

- Mention: a logistic head over five numbers for a (reply, memory) pair: the best
  multilingual-e5 cosine of a reply sentence to the memory, the whole reply's e5 cosine, the
  best MiniLM sentence cosine, the share of the memory's words (CJK: character pairs) found in
  the reply, and how far the best sentence stands above the reply's closeness to the other
  memories.
- Claim: a logistic head over a sentence's MiniLM ⊕ e5 features: does it speak of something the
  player told or has ("didn't you say your stomach…", "your sister…")? An invented fact is a
  claim that refers to none of the memories.

Both are trained on the seed dialogues by `make data` in seconds (the seed replies are written
to use exactly the bearing memory; their plain twins state nothing about the player) and are
checked against hand labels on the held-out set's candidate replies by `make eval`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from memory.embedding import unit_rows
from memory.npz import save_npz

ARTEFACT = Path(__file__).parent / "artefacts" / "judges.npz"
Matrix = NDArray[np.float32]
Featurize = Callable[[list[str]], np.ndarray]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s*|\n+")
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+")


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p] or [text.strip() or " "]


def words(text: str) -> set[str]:
    """Telling words: Latin and Cyrillic words of three letters or more, and pairs of CJK
    characters (no spaces to split on there)."""
    lowered = text.lower()
    found = {w for w in _WORD.findall(_CJK.sub(" ", lowered))}
    for run in _CJK.findall(lowered):
        found |= {run[i : i + 2] for i in range(max(1, len(run) - 1))}
    return found


class Embeddings:
    """Each text embedded once (MiniLM ⊕ e5 rows, split at `split`), both halves unit length."""

    def __init__(self, featurize: Featurize, split: int) -> None:
        self._featurize = featurize
        self._split = split
        self._rows: dict[str, tuple[Matrix, Matrix]] = {}

    def add(self, texts: Sequence[str]) -> None:
        new = sorted({t for t in texts if t not in self._rows})
        for start in range(0, len(new), 256):
            chunk = new[start : start + 256]
            matrix = np.asarray(self._featurize(chunk), dtype=np.float32)
            mini, e5 = unit_rows(matrix[:, : self._split]), unit_rows(matrix[:, self._split :])
            for i, text in enumerate(chunk):
                self._rows[text] = (mini[i], e5[i])

    def __getitem__(self, text: str) -> tuple[Matrix, Matrix]:
        if text not in self._rows:
            self.add([text])
        return self._rows[text]


def mention_features(emb: Embeddings, reply: str, memory: str, others: Sequence[str]) -> Matrix:
    parts = sentences(reply)
    emb.add([reply, memory, *parts, *others])
    mini_m, e5_m = emb[memory]

    def best_e5(target: Matrix) -> float:
        return max(float(emb[s][1] @ target) for s in parts)

    best = best_e5(e5_m)
    rivals = max((best_e5(emb[o][1]) for o in others), default=best)
    memory_words = words(memory)
    overlap = len(memory_words & words(reply)) / max(1, len(memory_words))
    return np.array(
        [
            best,
            float(emb[reply][1] @ e5_m),
            max(float(emb[s][0] @ mini_m) for s in parts),
            overlap,
            best - rivals,
        ],
        dtype=np.float32,
    )


def claim_features(emb: Embeddings, sentence: str) -> Matrix:
    mini, e5 = emb[sentence]
    return np.concatenate([mini, e5]).astype(np.float32)


@dataclass
class Judges:
    mention_w: Matrix
    mention_b: float
    claim_w: Matrix
    claim_b: float
    claim_threshold: float

    def mention(self, emb: Embeddings, reply: str, memory: str, others: Sequence[str]) -> float:
        x = mention_features(emb, reply, memory, others)
        return float(1 / (1 + np.exp(-(x @ self.mention_w + self.mention_b))))

    def mentioned(self, emb: Embeddings, reply: str, memories: Sequence[str]) -> list[bool]:
        """For each memory: does the reply refer to it?"""
        return [
            self.mention(emb, reply, m, [o for o in memories if o != m]) >= 0.5 for m in memories
        ]

    def claim(self, emb: Embeddings, sentence: str) -> float:
        x = claim_features(emb, sentence)
        return float(1 / (1 + np.exp(-(x @ self.claim_w + self.claim_b))))

    def invented(self, emb: Embeddings, reply: str, memories: Sequence[str]) -> list[str]:
        """Sentences that speak of something about the player which none of the memories holds."""
        out = []
        for sentence in sentences(reply):
            if self.claim(emb, sentence) < self.claim_threshold:
                continue
            if not any(self.mentioned(emb, sentence, list(memories))):
                out.append(sentence)
        return out

    def save(self, path: Path = ARTEFACT, **meta: object) -> None:
        arrays = {
            "mention_w": self.mention_w,
            "mention_b": np.float32(self.mention_b),
            "claim_w": self.claim_w,
            "claim_b": np.float32(self.claim_b),
            "claim_threshold": np.float32(self.claim_threshold),
        }
        save_npz(path, arrays, meta)

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> Judges:
        with np.load(path) as data:
            return cls(
                mention_w=data["mention_w"].astype(np.float32),
                mention_b=float(data["mention_b"]),
                claim_w=data["claim_w"].astype(np.float32),
                claim_b=float(data["claim_b"]),
                claim_threshold=float(data["claim_threshold"]),
            )
