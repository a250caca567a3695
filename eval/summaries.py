"""Memory notes on the hand-written dev set: the extractive notes against the summarization model.

    python -m eval.summaries [--data tests/data/summaries_dev.jsonl] [--summarizer] [--prompt-only]

Scores, on the same lines in one run, the notes the run command writes today (the classifier's
sentences cut from the line) and, with --summarizer, the summarization adapter's (the local
server as `NPC_EXTRACTOR=summarizer` runs it, started here unless NPC_LLM_BASE_URL is set):
- type-F1 per line, as eval.extraction counts it (a type is right when a hand note has it);
- lines with nothing to keep that kept nothing; notes per line against the hand notes;
- faithfulness to the hand labels: the share of written notes that say what a hand-written note
  of the same line says, by multilingual-e5: the nearest of all the set's hand notes is one of
  the line's own, at cosine ≥ 0.88 (e5 cosines run high: other lines' notes sit at a median of
  0.80 and a 99th percentile of 0.89 to each other); and the share of hand notes some written
  note of the line says so (coverage). An automatic judge, not a reading: `examples` in the
  results holds the first 30 lines' notes to read;
- dates: of the hand notes dated in the line's terms, the share whose date a written note
  carries; notes in the first person (English "I", "my"), which a note should never be.
Writes eval/results/summaries.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

from eval.extraction import score
from memory.embedding import shared_minilm
from memory.extraction.classifier import Featurizer, Heads
from memory.extraction.extractor import ClassifierExtractor, ExtractionInput, Extractor, types_of
from memory.features import multilingual, shared_featurizer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "summaries_dev.jsonl"
RESULTS = ROOT / "eval" / "results" / "summaries.json"
SAME_NOTE = 0.88
_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me)\b")

Written = list[tuple[str, set[str]]]  # per line: each note and its types


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


async def write_notes(
    extractor: Extractor, lines: list[dict[str, Any]], console: Console
) -> tuple[list[Written], float]:
    written: list[Written] = []
    started = time.perf_counter()
    for line in track(lines, description=extractor.name, console=console):
        at = datetime.fromisoformat(line["said_at"]).replace(hour=12, tzinfo=UTC)
        found = await extractor.extract(ExtractionInput(text=line["text"], at=at))
        written.append([(c.summary, types_of(c)) for c in found])
    return written, (time.perf_counter() - started) * 1000 / max(1, len(lines))


def notes_score(lines: list[dict[str, Any]], written: list[Written]) -> dict[str, Any]:
    typed = [
        {"events": [{"type": t} for n in x["notes"] for t in (n["type"], *n["also"])]}
        for x in lines
    ]
    types = score(typed, [{t for _, ts in notes for t in ts} for notes in written])
    faithful = said = covered = hand = dated = dated_kept = first_person = 0
    exact_count = 0
    featurize = shared_featurizer()
    owners = [i for i, x in enumerate(lines) for _ in x["notes"]]
    all_hand = multilingual(featurize, [n["note"] for x in lines for n in x["notes"]])
    for i, (line, notes) in enumerate(zip(lines, written, strict=True)):
        gold = [n["note"] for n in line["notes"]]
        ours = [n for n, _ in notes]
        exact_count += len(ours) == len(gold)
        first_person += sum(bool(_FIRST_PERSON.search(n)) for n in ours)
        for g in gold:
            if (day := _DATE.search(g)) is not None:
                dated += 1
                dated_kept += any(day.group(0) in n for n in ours)
        said += len(ours)
        hand += len(gold)
        if not ours or not gold:
            continue
        similarity = multilingual(featurize, ours) @ all_hand.T
        nearest = similarity.argmax(axis=1)
        same = [owners[j] == i and similarity[k, j] >= SAME_NOTE for k, j in enumerate(nearest)]
        faithful += sum(same)
        mine = [j for j, owner in enumerate(owners) if owner == i]
        covered += int((similarity[:, mine].max(axis=0) >= SAME_NOTE).sum())
    lengths = [len(n) for notes in written for n, _ in notes]
    return {
        "type_f1": types["overall"]["f1"],
        "macro_type_f1": types["macro_f1"],
        "per_type": types["per_type"],
        "nothing_kept_right": types["no_event_lines_right"],
        "notes_written": said,
        "hand_notes": hand,
        "lines_with_the_hand_note_count": f"{exact_count}/{len(lines)}",
        "faithful_to_hand_notes": round(faithful / max(1, said), 3),
        "hand_notes_covered": round(covered / max(1, hand), 3),
        "dated_hand_notes_with_their_date": f"{dated_kept}/{dated}",
        "first_person_notes": first_person,
        "note_chars": {
            "mean": round(statistics.fmean(lengths), 1) if lengths else 0.0,
            "hand_mean": round(
                statistics.fmean(len(n["note"]) for x in lines for n in x["notes"]), 1
            ),
        },
    }


def table(results: dict[str, dict[str, Any]]) -> Table:
    out = Table(title="memory notes on the summaries dev set")
    rows = (
        ("type-F1", "type_f1"),
        ("nothing kept when nothing said", "nothing_kept_right"),
        ("note count as the hand notes", "lines_with_the_hand_note_count"),
        ("faithful to hand notes", "faithful_to_hand_notes"),
        ("hand notes covered", "hand_notes_covered"),
        ("dated notes with their date", "dated_hand_notes_with_their_date"),
        ("first-person notes", "first_person_notes"),
        ("ms per line", "ms_per_line"),
    )
    out.add_column("")
    for name in results:
        out.add_column(name)
    for label, key in rows:
        out.add_row(label, *(str(r[key]) for r in results.values()))
    return out


def _summarizer_runs(
    lines: list[dict[str, Any]], gate: ClassifierExtractor, console: Console, prompt_only: bool
) -> dict[str, tuple[list[Written], float, dict[str, int]]]:
    """The adapter's notes; with `prompt_only`, also the base model's under the same request
    and schema (the prompt-only baseline), from one server."""
    from openai import AsyncOpenAI

    from core.settings import Settings
    from memory.extraction.summarizer import SummarizerExtractor, shipped_adapter
    from service.runtime.local import model_endpoint

    adapter = shipped_adapter()
    if adapter is None:
        raise SystemExit("no summarization adapter: run `make train-summarizer` first")
    # As the service serves it: the weights this CPU runs fastest, with runtime LoRA on.
    settings = Settings(extractor="summarizer")
    models: dict[str, tuple[str, Path | None]] = {"summarizer": (adapter.name, adapter.path)}
    if prompt_only:
        models["prompt-only (no adapter)"] = (settings.llm_model, None)

    async def run(base_url: str) -> dict[str, tuple[list[Written], float, dict[str, int]]]:
        runs = {}
        # One event loop for every pass: the client's connections belong to it.
        async with AsyncOpenAI(base_url=base_url, api_key="EMPTY") as client:
            for label, (name, path) in models.items():
                summarizer = SummarizerExtractor(gate, client, name, path)
                written, ms = await write_notes(summarizer, lines, console)
                counts = {"gated": summarizer.gated, "invalid_output": summarizer.failures}
                runs[label] = (written, ms, counts)
        return runs

    with model_endpoint(settings, console) as base_url:
        return asyncio.run(run(base_url))


def earlier_model_runs() -> dict[str, Any]:
    """The model rows of the last run that had them: a run without --summarizer (make eval's,
    seconds) re-scores the extractive notes and keeps the model's (16 minutes on the CPU)
    beside them, each with when it was measured."""
    if not RESULTS.exists():
        return {}
    earlier = json.loads(RESULTS.read_text())
    return {
        label: {"measured_at": row.get("measured_at", earlier.get("measured_at")), **row}
        for label, row in earlier.items()
        if isinstance(row, dict) and label != "extractive (classifier)" and "type_f1" in row
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--summarizer", action="store_true", help="also score the adapter")
    parser.add_argument(
        "--prompt-only",
        action="store_true",
        help="also the base model under the same request and schema (implies --summarizer)",
    )
    args = parser.parse_args()
    console = Console()
    lines = load(args.data)
    gate = ClassifierExtractor(Featurizer(shared_minilm()), Heads.load())
    results: dict[str, dict[str, Any]] = {}
    written, ms = asyncio.run(write_notes(gate, lines, console))
    results["extractive (classifier)"] = {**notes_score(lines, written), "ms_per_line": round(ms)}
    if args.summarizer or args.prompt_only:
        for label, (written, ms, counts) in _summarizer_runs(
            lines, gate, console, args.prompt_only
        ).items():
            results[label] = {**notes_score(lines, written), "ms_per_line": round(ms), **counts}
            results[label]["examples"] = [
                {"text": x["text"], "notes": [n for n, _ in w]}
                for x, w in list(zip(lines, written, strict=True))[:30]
            ]
    console.print(table(results))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    body = {"lines": len(lines), "measured_at": now, **earlier_model_runs(), **results}
    RESULTS.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
