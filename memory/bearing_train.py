"""Train the bearing judge from labeled pairs: `python -m memory.bearing_train`.

Reads tests/data/recall_train.jsonl (never the recall dev set that `make eval` scores), picks
the regularisation and threshold out of fold, writes memory/artefacts/bearing.npz.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import GroupKFold

from memory.bearing import ARTEFACT, BearingJudge, pair_features
from memory.embedding import shared_minilm

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "recall_train.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    pairs = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    embedder = shared_minilm()
    with console.status(f"embedding {len(pairs)} pairs"):
        lines = np.asarray(embedder.embed_sync([p["line"] for p in pairs]), dtype=np.float32)
        memories = np.asarray(
            embedder.embed_sync([p["memory"]["summary"] for p in pairs]), dtype=np.float32
        )
    x = np.concatenate(
        [
            pair_features(lines[i], memories[i : i + 1], [p["memory"]["type"]])
            for i, p in enumerate(pairs)
        ]
    )
    y = np.array([1 if p["bears"] else 0 for p in pairs])
    # Folds by line, so a line's other pairs never leak into its own fold.
    groups = [p["line"] for p in pairs]
    best = {"f1": -1.0}
    for c in (0.25, 1.0, 4.0, 16.0):
        oof = np.zeros(len(pairs), dtype=np.float32)
        for train, test in GroupKFold(5).split(x, y, groups):
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
            oof[test] = model.fit(x[train], y[train]).predict_proba(x[test])[:, 1]
        for threshold in (0.4, 0.5, 0.6, 0.7, 0.8):
            predicted = oof >= threshold
            f1 = float(f1_score(y, predicted))
            if f1 > best["f1"]:
                best = {
                    "f1": f1,
                    "c": c,
                    "threshold": threshold,
                    "precision": float(precision_score(y, predicted)),
                    "recall": float(recall_score(y, predicted)),
                }
        console.print(f"C={c}: best out-of-fold F1 so far {best['f1']:.3f}")
    model = LogisticRegression(C=best["c"], class_weight="balanced", max_iter=3000).fit(x, y)
    judge = BearingJudge(
        w=model.coef_[0].astype(np.float32),
        b=float(model.intercept_[0]),
        threshold=best["threshold"],
    )
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()[:16]
    judge.save(args.out, pairs=len(pairs), data_sha256=digest, **best)
    console.print(
        f"[green]✓[/] {args.out}: out-of-fold precision {best['precision']:.3f}, recall "
        f"{best['recall']:.3f}, F1 {best['f1']:.3f} (C={best['c']}, threshold "
        f"{best['threshold']}) in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
