"""Train the supersede judge from labeled pairs: `python -m memory.supersede_train`.

Reads tests/data/supersede_train.jsonl (an old note, a new note of the same player, and whether
the new one makes the old one no longer true), never the dev set that `make eval` scores. Picks
the regularisation and the threshold out of fold, trains on everything, writes
memory/artefacts/supersede.npz. About ten seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from memory.features import multilingual, shared_featurizer
from memory.supersede import ARTEFACT, Matrix, SupersedeJudge, pair_features

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "supersede_train.jsonl"
SEED = 7
STRENGTHS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
# A wrong supersede hides a fact that is still true; a missed one leaves an old fact beside the
# new one, which recall's recency already ranks lower. Precision weighs more: F0.5.
BETA = 0.5


@dataclass(frozen=True)
class Pair:
    old: str
    new: str
    supersedes: bool
    lang: str = "?"
    type: str = "?"  # the old note's


def load_pairs(path: Path = DATA) -> list[Pair]:
    rows: list[dict[str, Any]] = [
        json.loads(line) for line in path.read_text().splitlines() if line.strip()
    ]
    return [
        Pair(r["old"], r["new"], bool(r["supersedes"]), r.get("lang", "?"), r.get("type", "?"))
        for r in rows
    ]


def embed_pairs(pairs: list[Pair]) -> tuple[Matrix, Matrix]:
    """The unit e5 vectors of each pair's new and old note, as the pool stores them."""
    texts = sorted({p.old for p in pairs} | {p.new for p in pairs})
    vectors = dict(zip(texts, multilingual(shared_featurizer(), texts), strict=True))
    new = np.stack([vectors[p.new] for p in pairs])
    old = np.stack([vectors[p.old] for p in pairs])
    return new, old


def f_beta(truth: np.ndarray, said: np.ndarray, beta: float = BETA) -> float:
    tp = float(np.sum(truth & said))
    precision = tp / max(1.0, float(np.sum(said)))
    recall = tp / max(1.0, float(np.sum(truth)))
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def _fit(x: Matrix, y: np.ndarray, strength: float) -> LogisticRegression:
    model = LogisticRegression(C=strength, max_iter=2000, class_weight="balanced")
    return model.fit(x, y)


def out_of_fold(x: Matrix, y: np.ndarray, strength: float) -> np.ndarray:
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y):
        p[test] = _fit(x[train], y[train], strength).predict_proba(x[test])[:, 1]
    return p


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    grid = np.round(np.arange(0.3, 0.91, 0.05), 2)
    scores = [f_beta(y.astype(bool), p >= t) for t in grid]
    i = int(np.argmax(scores))
    return float(grid[i]), scores[i]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    pairs = load_pairs()
    with console.status(f"embedding {len(pairs)} pairs"):
        new, old = embed_pairs(pairs)
    x = pair_features(new, old)
    y = np.array([p.supersedes for p in pairs], dtype=int)
    trials = []
    for strength in STRENGTHS:
        threshold, score = best_threshold(y, out_of_fold(x, y, strength))
        trials.append((score, strength, threshold))
        console.print(f"C={strength:<5} out-of-fold F0.5 {score:.3f} at threshold {threshold}")
    score, strength, threshold = max(trials)
    model = _fit(x, y, strength)
    judge = SupersedeJudge(
        weights=np.asarray(model.coef_[0], dtype=np.float32),
        bias=float(model.intercept_[0]),
        threshold=threshold,
    )
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()[:16]
    judge.save(args.out, pairs=len(pairs), data_sha256=digest, C=strength, oof_f05=score)
    console.print(
        f"[green]✓[/] {args.out} (C={strength}, threshold {threshold}, out-of-fold F0.5 "
        f"{score:.3f}, {len(pairs)} pairs) in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
