"""Dialogue quality, base model against the reply adapter: `python -m eval.dialogue`.

On tests/data/dialogue_dev.jsonl (four personas and lines never trained on, ten languages)
each line goes through the service's reading, recall and prompt (training.retrieval), then to
the base model and to the adapter with the same prompt and sampling seed, in one run. Each
reply is judged:

- memory use: the bearing memory reached the prompt, and the reply refers to it (mention
  judge, training.judges);
- distractor mention: the reply refers to a memory of the player that does not bear;
- invented fact: a sentence speaks of something about the player that no memory holds
  (claim judge, then the mention judge finds no memory it refers to);
- in character: the reflection check finds no AI talk or prompt leak;
- right language: the reply is in the player's language (lingua);
- refusal: a line outside the world is declined by the gate and the reply stays in character;
- support: on a sad line, the reflection check does not find the reply unsupportive.

The judges are checked first against hand labels: three labeled candidate replies per case,
written with the set. Writes eval/results/dialogue.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
from pathlib import Path
from typing import Any

import structlog
from rich.console import Console
from rich.table import Table

from memory.embedding import shared_minilm
from memory.features import shared_featurizer
from persona.character import CharacterReader
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.language import language_of
from persona.reflection import ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from service.adapters import SHIPPED, adapter_at
from service.llm import ChatModel
from service.runtime.local import model_endpoint
from service.settings import Settings
from training.judges import Embeddings, Judges
from training.retrieval import Grounded, ground, scratch_pool
from training.scenarios import Case, load_cases, load_personas, scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RESULTS = ROOT / "eval" / "results" / "dialogue.json"
LABELS = ("uses_memory", "mentions_distractor", "invents_fact", "in_character", "supportive")


class Judge:
    def __init__(self, judges: Judges, check: ReflectionCheck, emb: Embeddings) -> None:
        self.judges, self.check, self.emb = judges, check, emb

    def labels(self, case: Case, reply: str, instructions: str, support: bool) -> dict[str, bool]:
        memories = [m.summary for m in case.memories]
        bearing = {m.summary for m in case.memories if m.id in case.bears}
        hits = self.judges.mentioned(self.emb, reply, memories)
        verdict = self.check.check(reply, instructions, support, [], line=case.line)
        return {
            "uses_memory": any(h for m, h in zip(memories, hits, strict=True) if m in bearing),
            "mentions_distractor": any(
                h for m, h in zip(memories, hits, strict=True) if m not in bearing
            ),
            "invents_fact": bool(self.judges.invented(self.emb, reply, memories)),
            "in_character": not {"breaks_character", "leaks_prompt"} & set(verdict.failed),
            "right_language": language_of(reply, default=case.lang) == case.lang,
            "supportive": support and "unsupportive" not in verdict.failed,
        }


def agreement(
    judge: Judge, grounded: list[Grounded], cases: list[dict[str, Any]]
) -> dict[str, Any]:
    """The judges against the hand labels of the candidate replies."""
    by_id = {r["id"]: r for r in cases}
    counts = {k: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for k in LABELS}
    for g in grounded:
        case = g.scenario.case
        support = case.kind == "support"
        for candidate in by_id[case.id]["candidates"]:
            predicted = judge.labels(case, candidate["text"], g.instructions, support)
            for label in LABELS:
                if label == "uses_memory" and not case.bears:
                    continue
                if label == "supportive" and not support:
                    continue
                truth, guess = bool(candidate[label]), predicted[label]
                key = ("t" if truth == guess else "f") + ("p" if guess else "n")
                counts[label][key] += 1
    out = {}
    for label, c in counts.items():
        n = sum(c.values())
        out[label] = {
            "n": n,
            "agreement": round((c["tp"] + c["tn"]) / max(1, n), 3),
            "precision": round(c["tp"] / max(1, c["tp"] + c["fp"]), 3),
            "recall": round(c["tp"] / max(1, c["tp"] + c["fn"]), 3),
        }
    return out


def rates(judge: Judge, grounded: list[Grounded], replies: list[str]) -> dict[str, Any]:
    memory = distractor = invented = in_char = language = refusal = support = 0
    n_memory = n_refuse = n_support = 0
    for g, reply in zip(grounded, replies, strict=True):
        case = g.scenario.case
        labels = judge.labels(case, reply, g.instructions, case.kind == "support")
        if g.shown_bearing:
            n_memory += 1
            memory += labels["uses_memory"]
        distractor += labels["mentions_distractor"]
        invented += labels["invents_fact"]
        in_char += labels["in_character"]
        language += labels["right_language"]
        if case.kind == "refuse":
            n_refuse += 1
            refusal += g.refused is not None and labels["in_character"]
        if case.kind == "support":
            n_support += 1
            support += labels["supportive"]
    n = len(replies)
    return {
        "memory_use": round(memory / max(1, n_memory), 3),
        "memory_use_cases": n_memory,
        "distractor_mention": round(distractor / n, 3),
        "invented_fact": round(invented / n, 3),
        "in_character": round(in_char / n, 3),
        "right_language": round(language / n, 3),
        "refusal_in_character": round(refusal / max(1, n_refuse), 3),
        "support": round(support / max(1, n_support), 3),
        "replies": n,
    }


async def generate(
    settings: Settings, base_url: str, grounded: list[Grounded], adapter: Any
) -> dict[str, list[str]]:
    model = ChatModel(settings, base_url)
    names = {"base": None, "adapter": await model.use_adapter(adapter.name, adapter.path)}
    gate = asyncio.Semaphore(8)  # the server batches concurrent requests; the seed is per request

    async def one(g: Grounded, name: str | None) -> str:
        async with gate:
            return (await model.reply(g.messages, None, name)).text.strip()

    out: dict[str, list[str]] = {}
    for label, name in names.items():
        console = Console()
        with console.status(f"{len(grounded)} replies ({label})"):
            out[label] = list(await asyncio.gather(*(one(g, name) for g in grounded)))
    return out


async def ground_dev(reader: CharacterReader) -> tuple[list[Grounded], list[dict[str, Any]]]:
    path = DATA / "dialogue_dev.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    made = scenarios(load_cases([path]), load_personas(DATA / "refusal_dev_personas.json"))
    with scratch_pool() as store:
        return await ground(made, reader, store), raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adapter", type=Path, default=None, help="adapter folder to compare")
    parser.add_argument("--judges-only", action="store_true", help="skip generation")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    console = Console()
    settings = Settings(llm_seed=0, llm_max_tokens=80)
    featurize = shared_featurizer()
    reader = CharacterReader(featurize, shipped_gate(), shipped_reader())
    check = ReflectionCheck(
        cheer=reader.cheer,
        embed=shared_minilm().embed_sync,
        heads=ReflectionHeads.load(),
        featurize=featurize,
    )
    judge = Judge(Judges.load(), check, Embeddings(featurize, featurize.english_dim))
    grounded, raw = asyncio.run(ground_dev(reader))
    results: dict[str, Any] = {
        "cases": len(grounded),
        "judge_agreement": agreement(judge, grounded, raw),
    }
    table = Table(title="judges against hand labels (300 candidate replies)")
    for column in ("label", "n", "agreement", "precision", "recall"):
        table.add_column(column)
    for label, a in results["judge_agreement"].items():
        table.add_row(
            label,
            str(a["n"]),
            f"{a['agreement']:.2f}",
            f"{a['precision']:.2f}",
            f"{a['recall']:.2f}",
        )
    console.print(table)

    folder = args.adapter or settings.data_dir / "adapters" / "dialogue"
    adapter = adapter_at(folder) or adapter_at(SHIPPED)
    if not args.judges_only and adapter is not None:
        with model_endpoint(settings, console) as base_url:
            replies = asyncio.run(generate(settings, base_url, grounded, adapter))
        results["adapter"] = adapter.name
        results["rates"] = {k: rates(judge, grounded, v) for k, v in replies.items()}
        table = Table(title=f"dialogue on {len(grounded)} held-out lines, same prompts and seed")
        keys = [k for k in results["rates"]["base"] if k not in ("replies", "memory_use_cases")]
        table.add_column("model")
        for k in keys:
            table.add_column(k.replace("_", " "))
        for name, r in results["rates"].items():
            table.add_row(name, *(f"{r[k]:.2f}" for k in keys))
        console.print(table)
        rng = random.Random(0)
        sample = rng.sample(range(len(grounded)), k=min(10, len(grounded)))
        results["samples"] = [
            {
                "line": grounded[i].scenario.case.line,
                "bearing": grounded[i].scenario.summaries(grounded[i].shown_bearing),
                "base": replies["base"][i],
                "adapter": replies["adapter"][i],
            }
            for i in sample
        ]
        results["replies"] = [
            {"id": g.scenario.case.id, "base": b, "adapter": a}
            for g, b, a in zip(grounded, replies["base"], replies["adapter"], strict=True)
        ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
