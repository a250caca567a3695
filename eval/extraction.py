"""Extraction quality on the labeled dev set: precision, recall, F1 per type and overall.

    python -m eval.extraction [--llm] [--data tests/data/extraction_dev.jsonl]

Scores the extractor the run command uses (the classifier); with --llm it also scores the
prompt-only baseline (the reply model with an enforced JSON schema, started locally unless
NPC_LLM_BASE_URL is set), on the same lines, in the same run. Matching is type-level per line:
a predicted type counts as right when the line's gold events include that type.
Writes eval/results/extraction.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

from memory.events import EVENT_TYPES
from memory.extraction.extractor import ExtractionInput, Extractor, HistoryLine, types_of

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "extraction_dev.jsonl"
RESULTS = ROOT / "eval" / "results" / "extraction.json"
LLM_RESULTS = ROOT / "eval" / "results" / "extraction_llm_baseline.json"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _f1(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        "support": tp + fn,
    }


def score(lines: list[dict[str, Any]], predicted: list[set[str]]) -> dict[str, Any]:
    counts = {t: Counter() for t in EVENT_TYPES}  # type: ignore[var-annotated]
    no_event_right = no_event_total = 0
    by_lang: dict[str, Counter[str]] = {}
    for line, types in zip(lines, predicted, strict=True):
        gold = {e["type"] for e in line["events"]}
        lang = by_lang.setdefault(line.get("lang", "?"), Counter())
        for t in EVENT_TYPES:
            hit, said = t in gold, t in types
            key = "tp" if hit and said else "fp" if said else "fn" if hit else None
            if key:
                counts[t][key] += 1
                lang[key] += 1
        if not gold:
            no_event_total += 1
            no_event_right += not types
    per_type = {t: _f1(c["tp"], c["fp"], c["fn"]) for t, c in counts.items()}
    tags: dict[str, Counter[str]] = {}
    for line, types in zip(lines, predicted, strict=True):
        gold = {e["type"] for e in line["events"]}
        for tag in line.get("tags", []):
            tags.setdefault(tag, Counter())["right" if types == gold else "wrong"] += 1
    event_lines = [bool(line["events"]) for line in lines]
    skipped = [not types for types in predicted]
    total = sum(counts.values(), Counter())
    return {
        "overall": _f1(total["tp"], total["fp"], total["fn"]),
        "macro_f1": round(sum(v["f1"] for v in per_type.values()) / len(per_type), 3),
        "per_type": per_type,
        "per_language": {k: _f1(c["tp"], c["fp"], c["fn"]) for k, c in sorted(by_lang.items())},
        "no_event_lines_right": f"{no_event_right}/{no_event_total}",
        # The first pass: lines it lets through with no event cost nothing more; lines it
        # drops that did hold an event are what it misses.
        "first_pass": {
            "lines_skipped": sum(skipped),
            "skipped_share": round(sum(skipped) / len(lines), 3),
            "event_lines_missed": sum(
                1 for e, s in zip(event_lines, skipped, strict=True) if e and s
            ),
            "event_lines": sum(event_lines),
        },
        "exact_type_set_by_tag": {
            tag: f"{c['right']}/{c['right'] + c['wrong']}" for tag, c in sorted(tags.items())
        },
    }


async def run_extractor(
    extractor: Extractor, lines: list[dict[str, Any]], console: Console
) -> tuple[list[set[str]], float]:
    predicted: list[set[str]] = []
    started = time.perf_counter()
    for line in track(lines, description=extractor.name, console=console):
        item = ExtractionInput(
            text=line["text"],
            at=datetime.fromisoformat(line["at"].replace("Z", "+00:00")),
            history=[HistoryLine(**h) for h in line.get("history", [])],
        )
        predicted.append({t for c in await extractor.extract(item) for t in types_of(c)})
    return predicted, (time.perf_counter() - started) * 1000 / max(1, len(lines))


def table(title: str, result: dict[str, Any]) -> Table:
    out = Table(title=title)
    for column in ("type", "precision", "recall", "F1", "support"):
        out.add_column(column)
    for name, row in [*result["per_type"].items(), ("overall (micro)", result["overall"])]:
        out.add_row(
            name,
            f"{row['precision']:.2f}",
            f"{row['recall']:.2f}",
            f"{row['f1']:.2f}",
            str(row["support"]),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--llm", action="store_true", help="also score the prompt-only model")
    args = parser.parse_args()
    console = Console()
    lines = load(args.data)
    from memory.wiring import _classifier_extractor

    results: dict[str, Any] = {"data": str(args.data.relative_to(ROOT)), "lines": len(lines)}
    predicted, ms = asyncio.run(run_extractor(_classifier_extractor(), lines, console))
    results["classifier"] = score(lines, predicted) | {"ms_per_line": round(ms, 1)}
    console.print(table("classifier extractor (the run command's)", results["classifier"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if args.llm:
        # Its own file: the baseline takes ~20 minutes on the CPU and is rerun rarely.
        results["llm_prompt_only"] = _run_llm(lines, console)
        console.print(table("prompt-only model, JSON schema enforced", results["llm_prompt_only"]))
        baseline = {k: v for k, v in results.items() if k != "classifier"}
        LLM_RESULTS.write_text(json.dumps(baseline, indent=2, ensure_ascii=False) + "\n")
    summary = {
        k: v["overall"] | {"macro_f1": v["macro_f1"], "no_event": v["no_event_lines_right"]}
        for k, v in results.items()
        if isinstance(v, dict) and "overall" in v
    }
    console.print_json(data=summary)
    console.print(f"written to {RESULTS}")


def _run_llm(lines: list[dict[str, Any]], console: Console) -> dict[str, Any]:
    from openai import AsyncOpenAI

    from core.settings import Settings
    from memory.extraction.extractor import LLMExtractor
    from service.runtime.local import model_endpoint

    settings = Settings()
    with model_endpoint(settings, console) as base_url:
        extractor = LLMExtractor(
            AsyncOpenAI(base_url=base_url, api_key="EMPTY"), settings.llm_model
        )
        predicted, ms = asyncio.run(run_extractor(extractor, lines, console))
        failures = extractor.failures
    return score(lines, predicted) | {"ms_per_line": round(ms, 1), "invalid_outputs": failures}


if __name__ == "__main__":
    main()
