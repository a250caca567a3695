"""Train the bearing judge from labeled data: `python -m memory.bearing_train`.

Reads the pairs in tests/data/recall_train.jsonl and the cases (a line and a player's 8-12
memories) in tests/data/recall_train_cases.jsonl, never the recall dev set that `make eval`
scores. Trains a scorer over MiniLM and one over e5, picks their mix and the selection policy
(threshold, cap, margin) out of fold, trains on everything with a fixed seed, writes
memory/artefacts/bearing.npz.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.progress import Progress
from sklearn.model_selection import GroupKFold

from memory.bearing import ARTEFACT, BearingJudge, Scorer, mixed, select, sigmoid, type_index
from memory.embedding import unit_rows
from memory.events import EVENT_TYPES
from memory.features import english_pairs, shared_featurizer

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PAIRS = DATA / "recall_train.jsonl"
CASES = DATA / "recall_train_cases.jsonl"
SEED = 7
RANK = 64
EPOCHS = 60
NEGATIVES_PER_LINE = 6  # memories of other lines: a real player holds many that do not bear


@dataclass
class Pair:
    line: str
    memory: str
    type: str
    bears: bool


def load_pairs(pairs_path: Path = PAIRS, cases_path: Path = CASES) -> list[Pair]:
    pairs = [
        Pair(r["line"], r["memory"]["summary"], r["memory"]["type"], bool(r["bears"]))
        for r in _jsonl(pairs_path)
    ]
    for case in _jsonl(cases_path) if cases_path.exists() else []:
        relevant = set(case["relevant"])
        pairs += [
            Pair(case["line"], m["summary"], m["type"], m["id"] in relevant)
            for m in case["memories"]
        ]
    return pairs


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class _Scorer(torch.nn.Module):
    """The judge's formula in torch, for training; BearingJudge runs it in numpy."""

    def __init__(self, dim: int, rank: int) -> None:
        super().__init__()
        types = len(EVENT_TYPES) + 1
        self.a = torch.nn.Linear(dim, rank, bias=False)
        self.b = torch.nn.Linear(dim, rank, bias=False)
        self.w = torch.nn.Parameter(torch.zeros(dim))
        self.type_bias = torch.nn.Parameter(torch.zeros(types))
        self.type_scale = torch.nn.Parameter(torch.zeros(types))
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def forward(self, u: torch.Tensor, v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        cosine = (u * v).sum(-1)
        logits: torch.Tensor = (
            (self.a(u) * self.b(v)).sum(-1)
            + (u * v * self.w).sum(-1)
            + self.type_bias[t]
            + self.type_scale[t] * cosine
            + self.bias
        )
        return logits

    def scorer(self) -> Scorer:
        def array(x: torch.Tensor) -> np.ndarray:
            return x.detach().numpy().astype(np.float32)

        return Scorer(
            a=array(self.a.weight),
            b_=array(self.b.weight),
            w=array(self.w),
            type_bias=array(self.type_bias),
            type_scale=array(self.type_scale),
            bias=float(self.bias.item()),
        )


class Trainer:
    def __init__(self, pairs: list[Pair], vectors: dict[str, np.ndarray]) -> None:
        self.pairs = pairs
        self.vectors = vectors
        self.lines = sorted({p.line for p in pairs})

    def rows(
        self, lines: Sequence[str], rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, type index, label) for the pairs of `lines`, plus sampled negatives."""
        chosen = set(lines)
        own = [p for p in self.pairs if p.line in chosen]
        extra = []
        for line in lines:
            for j in rng.choice(len(own), NEGATIVES_PER_LINE, replace=False):
                if own[j].line != line:
                    extra.append(Pair(line, own[j].memory, own[j].type, False))
        rows = own + extra
        return (
            np.stack([self.vectors[p.line] for p in rows]),
            np.stack([self.vectors[p.memory] for p in rows]),
            type_index([p.type for p in rows]),
            np.array([float(p.bears) for p in rows], dtype=np.float32),
        )

    def fit(self, lines: Sequence[str], progress: Progress | None = None) -> Scorer:
        torch.manual_seed(SEED)
        rng = np.random.default_rng(SEED)
        u, v, t, y = (torch.from_numpy(x) for x in self.rows(lines, rng))
        model = _Scorer(u.shape[1], RANK)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
        positive_weight = (len(y) - y.sum()) / y.sum().clamp(min=1)
        task = progress.add_task("training", total=EPOCHS) if progress else None
        for _ in range(EPOCHS):
            order = torch.randperm(len(y))
            for start in range(0, len(y), 256):
                batch = order[start : start + 256]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    model(u[batch], v[batch], t[batch]), y[batch], pos_weight=positive_weight
                )
                optimizer.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()
            if progress is not None and task is not None:
                progress.advance(task)
        if progress is not None and task is not None:
            progress.remove_task(task)
        return model.scorer()

    def logits(self, scorer: Scorer, line: str, memories: Sequence[Pair]) -> np.ndarray:
        return scorer.logits(
            self.vectors[line],
            np.stack([self.vectors[p.memory] for p in memories]),
            [p.type for p in memories],
        )


def simulated_turns(
    pairs: Sequence[Pair], lines: Sequence[str], rng: np.random.Generator
) -> list[tuple[str, list[Pair], np.ndarray]]:
    """Each held-out line against its own memories and 8 of other lines, as at a turn."""
    turns = []
    for line in lines:
        own = [p for p in pairs if p.line == line]
        others = [pairs[i] for i in rng.choice(len(pairs), 24, replace=False)]
        memories = own + [p for p in others if p.line != line][:8]
        labels = np.array([int(p.bears) for p in own] + [0] * (len(memories) - len(own)))
        turns.append((line, memories, labels))
    return turns


def policy_scores(
    turns: list[tuple[np.ndarray, np.ndarray]], threshold: float, cap: int, margin: float
) -> dict[str, float]:
    hits = relevant = chosen = 0
    for probabilities, labels in turns:
        picked = select(probabilities, threshold, cap, margin)
        hits += int(labels[picked].sum())
        relevant += int(labels.sum())
        chosen += len(picked)
    precision = hits / max(1, chosen)
    recall = hits / max(1, relevant)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


MIXES = (0.0, 0.3, 0.5, 0.7, 1.0)


Turn = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def best_policy(turns: list[Turn]) -> dict[str, float]:
    """The e5 share of the logit and the selection policy with the best F1 over the turns
    (MiniLM logits, e5 logits, which pairs are English, labels)."""
    best: dict[str, float] = {"f1": -1.0}
    for mix in MIXES:
        scored = [(sigmoid(mixed(m, e, mix, en)), y) for m, e, en, y in turns]
        for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
            for cap in (1, 2, 3):
                for margin in (0.1, 0.2, 0.3, 1.0):
                    scores = policy_scores(scored, threshold, cap, margin)
                    if scores["f1"] > best["f1"]:
                        best = {
                            **scores,
                            "mix": mix,
                            "threshold": threshold,
                            "cap": cap,
                            "margin": margin,
                        }
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    pairs = load_pairs()
    texts = sorted({p.line for p in pairs} | {p.memory for p in pairs})
    with console.status(f"embedding {len(texts)} texts"):
        featurize = shared_featurizer()
        rows = np.asarray(featurize(texts), dtype=np.float32)
        minilm = unit_rows(rows[:, : featurize.english_dim])
        e5 = unit_rows(rows[:, featurize.english_dim :])
    views = [
        Trainer(pairs, dict(zip(texts, minilm, strict=True))),
        Trainer(pairs, dict(zip(texts, e5, strict=True))),
    ]
    rng = np.random.default_rng(SEED)
    turns: list[Turn] = []
    lines = np.array(views[0].lines)
    with Progress(console=console) as progress:
        folds = progress.add_task("out-of-fold judges (MiniLM, e5)", total=5)
        for train, test in GroupKFold(5).split(lines, groups=lines):
            scorers = [view.fit(list(lines[train]), progress) for view in views]
            for line, memories, labels in simulated_turns(pairs, list(lines[test]), rng):
                m, e = (v.logits(s, line, memories) for v, s in zip(views, scorers, strict=True))
                english = english_pairs(line, [p.memory for p in memories])
                turns.append((m, e, english, labels))
            progress.advance(folds)
        best = best_policy(turns)
        final = [view.fit(views[0].lines, progress) for view in views]
    judge = BearingJudge(
        minilm=final[0],
        e5=final[1],
        mix=best["mix"],
        threshold=best["threshold"],
        cap=int(best["cap"]),
        margin=best["margin"],
    )
    digest = hashlib.sha256(PAIRS.read_bytes() + CASES.read_bytes()).hexdigest()[:16]
    judge.save(args.out, pairs=len(pairs), data_sha256=digest, rank=RANK, **best)
    console.print(
        f"[green]✓[/] {args.out}: {len(pairs)} pairs; simulated turns out of fold: hit rate "
        f"{best['recall']:.3f}, distractor rate {1 - best['precision']:.3f} (e5 share "
        f"{best['mix']}, threshold {best['threshold']}, cap {best['cap']}, margin "
        f"{best['margin']}) in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
