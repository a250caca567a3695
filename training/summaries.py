"""The summarization adapter's training data: `python -m training.summaries`.

Turns the hand-written notes of tests/data/summaries_train.jsonl into chat rows for
`training.train` (the request the worker sends, the JSON the model must answer) in
var/summarizer/train.jsonl, with one line in twelve held out (heldout.jsonl) for the loss before
and after. tests/data/summaries_dev.jsonl is never trained on: `make eval` scores it.
"""

from __future__ import annotations

import argparse
import json
from datetime import date as Date
from pathlib import Path
from typing import Any

from memory.extraction.summarizer import Note, answer, messages

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "summaries_train.jsonl"
OUT = ROOT / "var" / "summarizer"
HELD_OUT_EVERY = 12


def row(labeled: dict[str, Any]) -> dict[str, Any]:
    """One labeled line as a training row: the request and the expected answer."""
    notes = [Note.model_validate(n) for n in labeled["notes"]]
    return {
        "messages": messages(labeled["text"], Date.fromisoformat(labeled["said_at"])),
        "reply": answer(notes),
    }


def build(labels: Path = LABELS, out: Path = OUT) -> tuple[int, int]:
    lines = [json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines() if x.strip()]
    train = [row(x) for i, x in enumerate(lines) if i % HELD_OUT_EVERY]
    held = [row(x) for i, x in enumerate(lines) if not i % HELD_OUT_EVERY]
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("heldout.jsonl", held)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / name).write_text(text, encoding="utf-8")
    return len(train), len(held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    train, held = build(args.labels, args.out)
    print(f"✓ {args.out}: {train} training rows, {held} held out")


if __name__ == "__main__":
    main()
