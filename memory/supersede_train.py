"""Train the supersede judge from labeled pairs: `python -m memory.supersede_train`.

Reads tests/data/supersede_train.jsonl (an old note, a new note of the same player, and whether
the new one makes the old one no longer true), never the dev set that `make eval` scores, and
pairs each new note with old notes of other pairs (about something else). Picks the
regularisation and both thresholds out of fold, trains on everything, writes
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

from memory.embedding import unit_rows
from memory.features import shared_featurizer
from memory.supersede import (
    ARTEFACT,
    Matrix,
    Scorer,
    SupersedeJudge,
    gate_features,
    pair_features,
)

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "supersede_train.jsonl"
SEED = 7
UNRELATED_PER_PAIR = 3
GATE_STRENGTH = 10.0
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


def with_unrelated(pairs: list[Pair], per_pair: int, seed: int = SEED) -> list[Pair]:
    """The pairs, plus each new note against old notes of other pairs of the same type: the
    resolver reads a new note against the player's nearest notes of its kind, and those are
    often about something else ("Can't stop crying" must not end "Afraid of the dark"; the
    labeled pairs are mostly about one thing)."""
    rng = np.random.default_rng(seed)
    extra = []
    for pair in pairs:
        others = [
            p for p in pairs if p.type == pair.type and p.old != pair.old and p.new != pair.new
        ]
        for j in rng.choice(len(others), size=min(per_pair, len(others)), replace=False):
            extra.append(Pair(others[j].old, pair.new, False, pair.lang, others[j].type))
    return pairs + extra


def embed_pairs(pairs: list[Pair]) -> tuple[Matrix, Matrix, Matrix, Matrix]:
    """Unit vectors of each pair's new and old note as the pool stores them: e5 (new, old),
    then MiniLM (new, old)."""
    texts = sorted({p.old for p in pairs} | {p.new for p in pairs})
    featurize = shared_featurizer()
    rows = np.asarray(featurize(texts), dtype=np.float32)
    e5 = dict(zip(texts, unit_rows(rows[:, featurize.english_dim :]), strict=True))
    dense = dict(zip(texts, unit_rows(rows[:, : featurize.english_dim]), strict=True))
    return (
        np.stack([e5[p.new] for p in pairs]),
        np.stack([e5[p.old] for p in pairs]),
        np.stack([dense[p.new] for p in pairs]),
        np.stack([dense[p.old] for p in pairs]),
    )


def f_beta(truth: np.ndarray, said: np.ndarray, beta: float = BETA) -> float:
    tp = float(np.sum(truth & said))
    precision = tp / max(1.0, float(np.sum(said)))
    recall = tp / max(1.0, float(np.sum(truth)))
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def _fit(x: Matrix, y: np.ndarray, strength: float) -> LogisticRegression:
    model = LogisticRegression(C=strength, max_iter=3000, class_weight="balanced")
    return model.fit(x, y)


def out_of_fold(x: Matrix, y: np.ndarray, strength: float) -> np.ndarray:
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y):
        p[test] = _fit(x[train], y[train], strength).predict_proba(x[test])[:, 1]
    return p


GRID = np.round(np.arange(0.3, 0.96, 0.05), 2)


def _scorer(model: LogisticRegression, threshold: float) -> Scorer:
    return Scorer(
        np.asarray(model.coef_[0], dtype=np.float32), float(model.intercept_[0]), threshold
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    labeled = load_pairs()
    pairs = with_unrelated(labeled, UNRELATED_PER_PAIR)
    with console.status(f"embedding {len(pairs)} pairs"):
        new, old, new_dense, old_dense = embed_pairs(pairs)
    n = len(labeled)
    x_ends = pair_features(new[:n], old[:n])
    y_ends = np.array([p.supersedes for p in labeled], dtype=int)
    x_gate = gate_features(new, old, new_dense, old_dense)
    y_gate = (np.arange(len(pairs)) < n).astype(int)  # labeled pairs are about one thing
    truth = np.array([p.supersedes for p in pairs])
    # Both scorers out of fold; the gate's threshold and the judge's picked together, on the
    # labeled pairs and the unrelated ones, as the resolver meets them.
    best = (-1.0, 0.0, 0.0, 0.0, 0.0)
    gate_p = out_of_fold(x_gate, y_gate, GATE_STRENGTH)
    for strength in STRENGTHS:
        ends_p = np.zeros(len(pairs))
        ends_p[:n] = out_of_fold(x_ends, y_ends, strength)
        # An unrelated pair's own judge probability, as a judge that never saw it would say.
        ends_p[n:] = _fit(x_ends, y_ends, strength).predict_proba(pair_features(new[n:], old[n:]))[
            :, 1
        ]
        for gate_t in GRID:
            for ends_t in GRID:
                said = (gate_p >= gate_t) & (ends_p >= ends_t)
                score = f_beta(truth, said)
                if score > best[0]:
                    best = (score, strength, float(ends_t), float(gate_t), 0.0)
        console.print(f"C={strength:<5} out-of-fold F0.5 so far {best[0]:.3f}")
    score, strength, ends_t, gate_t, _ = best
    judge = SupersedeJudge(
        ends=_scorer(_fit(x_ends, y_ends, strength), ends_t),
        related=_scorer(_fit(x_gate, y_gate, GATE_STRENGTH), gate_t),
    )
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()[:16]
    judge.save(
        args.out,
        pairs=n,
        unrelated=len(pairs) - n,
        data_sha256=digest,
        C=strength,
        oof_f05=round(score, 3),
    )
    console.print(
        f"[green]✓[/] {args.out} (C={strength}, thresholds: related {gate_t}, ends {ends_t}; "
        f"out-of-fold F0.5 {score:.3f} over {n} labeled and {len(pairs) - n} unrelated pairs) "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
