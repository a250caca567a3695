"""Build the RAG-grounded dialogue data: `python -m training.data` (`make data`).

a. scenarios from the seed dialogues (tests/data/dialogue_seed_*.jsonl, six personas of
   different worlds, ten languages), optionally with lent distractor memories (`--copies`);
b. the service's own reading, recall and prompt for each;
c. a reply from the teacher (`NPC_TEACHER_BASE_URL`, else the seed replies);
d. the filters, with every rejection counted by reason.

Writes var/dialogue/train.jsonl and heldout.jsonl (one in ten seed cases, with all copies of
it, never trained on) and var/dialogue/report.json. The reply judges the filters use are fitted
on the seed set first and saved to training/artefacts/judges.npz.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import time
import zlib
from pathlib import Path
from typing import Any

import structlog
from openai import AsyncOpenAI
from rich.console import Console

from core.settings import Settings
from memory.embedding import shared_minilm
from memory.features import shared_featurizer
from persona.character import CharacterReader
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.reflection import ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from training.filters import REASONS, Filters
from training.judges import Embeddings
from training.judges_train import train_judges
from training.progress import progress
from training.retrieval import Grounded, ground, scratch_pool
from training.scenarios import load_cases, load_personas, scenarios, with_distractors
from training.teacher import ModelTeacher, SeedTeacher, Teacher

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SEED = sorted(DATA.glob("dialogue_seed_*.jsonl"))
PERSONAS = DATA / "refusal_train_personas.json"
OUT = ROOT / "var" / "dialogue"


def held_out(case_id: str) -> bool:
    """One seed case in ten, by id; its distractor copies (`id+n`) go with it."""
    return zlib.crc32(case_id.split("+")[0].encode()) % 10 == 0


def example(grounded: Grounded, reply: str) -> dict[str, Any]:
    case = grounded.scenario.case
    return {
        "id": case.id,
        "persona": case.persona,
        "lang": case.lang,
        "kind": case.kind,
        "messages": grounded.messages,
        "reply": reply,
        "recalled": grounded.recalled,
        "bears": case.bears,
    }


def teacher_from(settings: Settings) -> Teacher:
    if settings.teacher_base_url is None:
        return SeedTeacher()
    client = AsyncOpenAI(
        base_url=settings.teacher_base_url,
        api_key=settings.teacher_api_key.get_secret_value(),
        timeout=120,
    )
    return ModelTeacher(client, settings.teacher_model)


async def build(
    seed: list[Path],
    personas_path: Path,
    copies: int,
    teacher: Teacher,
    console: Console,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    started = time.monotonic()
    cases = load_cases(seed)
    featurize = shared_featurizer()
    emb = Embeddings(featurize, featurize.english_dim)
    judges, fit = train_judges([c for c in cases if not held_out(c.id)], emb)
    seed_sha256 = digest(seed)
    judges.save(data_sha256=seed_sha256)
    console.print(f"judges fitted: {fit}")

    personas = load_personas(personas_path)
    made = scenarios(with_distractors(cases, copies), personas)  # step a
    reader = CharacterReader(featurize, shipped_gate(), shipped_reader())
    with scratch_pool() as store:
        grounded = await ground(made, reader, store)  # step b
    check = ReflectionCheck(
        cheer=reader.cheer,
        embed=shared_minilm().embed_sync,
        heads=ReflectionHeads.load(),
        featurize=featurize,
    )
    filters = Filters(judges, check, emb)
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "heldout": []}
    for g in progress(grounded, f"teacher ({teacher.name}) and filters"):
        reply = await teacher.write(g)  # step c
        if filters.keep(g, reply):  # step d
            assert reply is not None
            split = "heldout" if held_out(g.scenario.case.id) else "train"
            splits[split].append(example(g, reply))

    report = {
        "teacher": teacher.name,
        "seed_cases": len(cases),
        "scenarios": len(made),
        "kept": {name: len(rows) for name, rows in splits.items()},
        "rejected": {r: filters.rejected.get(r, 0) for r in REASONS},
        "bearing_memory_in_prompt": sum(bool(g.shown_bearing) for g in grounded),
        "lines_with_a_bearing_memory": sum(bool(g.scenario.case.bears) for g in grounded),
        "seed_sha256": seed_sha256,
        "judges": fit,
        "seconds": round(time.monotonic() - started, 1),
    }
    return splits, report


def write(out: Path, splits: dict[str, list[dict[str, Any]]], report: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=0, help="distractor variants per case")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    console = Console()
    splits, report = asyncio.run(
        build(SEED, PERSONAS, args.copies, teacher_from(Settings()), console)
    )
    write(args.out, splits, report)
    console.print(f"scenarios {report['scenarios']} → kept {report['kept']}")
    console.print(
        "rejected by reason: " + ", ".join(f"{k} {v}" for k, v in report["rejected"].items())
    )
    console.print(
        f"bearing memory reached the prompt in {report['bearing_memory_in_prompt']} of "
        f"{report['lines_with_a_bearing_memory']} lines that have one; {report['seconds']} s; "
        f"written to {args.out}"
    )


if __name__ == "__main__":
    main()
