"""Train the extraction heads from labeled lines: `python -m memory.extraction.train`.

Reads tests/data/extraction_train*.jsonl and the summarizer's training lines (their notes' types
are the same labels; never the dev sets `make eval` scores), fits three
logistic-regression heads over the features, prints cross-validated figures, writes the .npz.
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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

from memory.embedding import SentenceTransformerEmbedder
from memory.events import EVENT_TYPES, IDENTITY_SLOTS
from memory.extraction.classifier import ARTEFACT, Featurizer, Heads
from memory.extraction.extractor import ExtractionInput, HistoryLine, question_answered

_DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"
# Plain lines, short replies to an NPC's question (read together with the question), and the
# lines the summarization adapter learns from: the heads gate what reaches it.
DATA = (
    _DATA_DIR / "extraction_train.jsonl",
    _DATA_DIR / "extraction_train_context.jsonl",
    _DATA_DIR / "summaries_train.jsonl",
)
SEED = 7


def load_lines(paths: list[Path]) -> list[dict[str, Any]]:
    return [
        _as_events(json.loads(line))
        for path in paths
        if path.exists()
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def _as_events(line: dict[str, Any]) -> dict[str, Any]:
    """A summarizer line's notes as extraction events: each note's type is the label."""
    if "notes" not in line:
        return line
    events = [
        {"type": n["type"], "summary": n["note"], "subject": n["subject"]} for n in line["notes"]
    ]
    return {**line, "events": events}


def feature_text(line: dict[str, Any]) -> str:
    """What the extractor embeds for this line: the same rule at training and at serving."""
    item = ExtractionInput(
        text=line["text"], history=[HistoryLine(**h) for h in line.get("history", [])]
    )
    question = question_answered(item)
    return f"{question} {item.text}" if question else item.text


def _labels(lines: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    has_event = np.array([1 if line["events"] else 0 for line in lines])
    types = np.zeros((len(lines), len(EVENT_TYPES)), dtype=int)
    for i, line in enumerate(lines):
        for event in line["events"]:
            if event["type"] in EVENT_TYPES:
                types[i, EVENT_TYPES.index(event["type"])] = 1
    return has_event, types


def _slot_rows(lines: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    rows, slots = [], []
    for i, line in enumerate(lines):
        for event in line["events"]:
            if event["type"] == "identity" and event.get("subject") in IDENTITY_SLOTS:
                rows.append(i)
                slots.append(IDENTITY_SLOTS.index(event["subject"]))
                break
    return rows, slots


def fit(
    x: np.ndarray,
    has_event: np.ndarray,
    types: np.ndarray,
    rows: list[int],
    slots: list[int],
    c: float,
) -> Heads:
    event = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, has_event)
    type_w, type_b = [], []
    with_event = has_event == 1
    for t in range(len(EVENT_TYPES)):
        # Types are learned from lines that hold an event: the event head decides the rest.
        head = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        head.fit(x[with_event], types[with_event, t])
        type_w.append(head.coef_[0])
        type_b.append(head.intercept_[0])
    slot = LogisticRegression(C=c, max_iter=2000).fit(x[rows], slots)
    slot_w = np.zeros((len(IDENTITY_SLOTS), x.shape[1]), dtype=np.float32)
    slot_b = np.full(len(IDENTITY_SLOTS), -1e3, dtype=np.float32)
    for k, cls in enumerate(slot.classes_):
        slot_w[cls] = slot.coef_[k] if len(slot.classes_) > 2 else slot.coef_[0] * (1 if k else -1)
        slot_b[cls] = slot.intercept_[k] if len(slot.classes_) > 2 else 0.0
    return Heads(
        event_w=event.coef_[0].astype(np.float32),
        event_b=float(event.intercept_[0]),
        type_w=np.asarray(type_w, dtype=np.float32),
        type_b=np.asarray(type_b, dtype=np.float32),
        slot_w=slot_w,
        slot_b=slot_b,
    )


def _predict(event_p: np.ndarray, type_p: np.ndarray, event_t: float, type_t: float) -> np.ndarray:
    chosen = (type_p >= type_t) | (type_p == type_p.max(axis=1, keepdims=True))
    return np.asarray(chosen & (event_p >= event_t)[:, None])


def cross_validate(
    x: np.ndarray,
    has_event: np.ndarray,
    types: np.ndarray,
    lines: list[dict[str, Any]],
    c: float,
    folds: int = 5,
) -> dict[str, float]:
    """Out-of-fold scores, with the thresholds that do best out of fold (never on dev)."""
    event_p = np.zeros(len(lines), dtype=np.float32)
    type_p = np.zeros(types.shape, dtype=np.float32)
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(x):
        rows, slots = _slot_rows([lines[i] for i in train])
        heads = fit(x[train], has_event[train], types[train], rows, slots, c)
        event_p[test] = heads.has_event(x[test])
        type_p[test] = heads.type_probabilities(x[test])
    best: dict[str, float] = {"type_micro_f1": -1.0}
    for event_t in (0.4, 0.5, 0.6, 0.7):
        for type_t in (0.3, 0.4, 0.5, 0.6):
            predicted = _predict(event_p, type_p, event_t, type_t)
            f1 = float(f1_score(types, predicted, average="micro"))
            if f1 > best["type_micro_f1"]:
                best = {
                    "type_micro_f1": f1,
                    "event_f1": float(f1_score(has_event, event_p >= event_t)),
                    "event_threshold": event_t,
                    "type_threshold": type_t,
                }
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=list(DATA))
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()
    lines = load_lines(args.data)
    with console.status(f"embedding {len(lines)} lines"):
        featurize = Featurizer(SentenceTransformerEmbedder())
        x = featurize([feature_text(line) for line in lines])
    has_event, types = _labels(lines)
    best_c, best = 1.0, {"type_micro_f1": -1.0}
    for c in (2.0, 8.0, 32.0, 128.0):
        scores = cross_validate(x, has_event, types, lines, c)
        console.print(
            f"C={c}: 5-fold event F1 {scores['event_f1']:.3f}, "
            f"type micro-F1 {scores['type_micro_f1']:.3f} at thresholds "
            f"{scores['event_threshold']}/{scores['type_threshold']}"
        )
        if scores["type_micro_f1"] > best["type_micro_f1"]:
            best_c, best = c, scores
    rows, slots = _slot_rows(lines)
    heads = fit(x, has_event, types, rows, slots, best_c)
    heads.event_threshold = best["event_threshold"]
    heads.type_threshold = best["type_threshold"]
    digest = hashlib.sha256()
    for path in args.data:
        if path.exists():
            digest.update(path.read_bytes())
    data_hash = digest.hexdigest()[:16]
    heads.save(args.out, c=best_c, lines=len(lines), data_sha256=data_hash, **best)
    seconds = time.monotonic() - started
    console.print(f"[green]✓[/] wrote {args.out} (C={best_c}) in {seconds:.1f} s")


if __name__ == "__main__":
    main()
