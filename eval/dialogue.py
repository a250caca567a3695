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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from rich.console import Console
from rich.table import Table

from core.cpu import Weights
from core.language import language_of
from core.llm import ChatModel
from core.settings import Settings
from memory.embedding import shared_minilm
from memory.features import shared_featurizer
from persona.adapters import SHIPPED, adapter_at
from persona.character import CharacterReader
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.reflection import SUPPORT_LINES, ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from persona.review import Reviewer, Turn
from persona.schemas import LoraAdapter
from service.runtime.local import model_endpoint
from service.runtime.model import DEFAULT_MODEL, SMOLLM2_135M
from training.judges import Embeddings, Judges
from training.retrieval import Grounded, ground, scratch_pool
from training.scenarios import Case, load_cases, load_personas, scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RESULTS = ROOT / "eval" / "results" / "dialogue.json"
RATE_KEYS = (
    "memory_use",
    "distractor_mention",
    "invented_fact",
    "in_character",
    "right_language",
    "refusal_in_character",
    "support",
)
LABELS = ("uses_memory", "mentions_distractor", "invents_fact", "in_character", "supportive")


class Judge:
    def __init__(self, judges: Judges, check: ReflectionCheck, emb: Embeddings) -> None:
        self.judges, self.check, self.emb = judges, check, emb

    def labels(self, case: Case, reply: str, instructions: str, support: bool) -> dict[str, bool]:
        memories = [m.summary for m in case.memories]
        bearing = {m.summary for m in case.memories if m.id in case.bears}
        hits = self.judges.mentioned(self.emb, reply, memories)
        verdict = self.check.check(
            reply, instructions=instructions, support=support, facts=[], line=case.line
        )
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


@dataclass(frozen=True)
class Row:
    """One line of the table: a served model, with or without a reply adapter."""

    label: str
    model: str
    adapter: LoraAdapter | None  # applied by vLLM's LoRA, or folded into int8 weights
    weights: Weights = "bf16"


@dataclass(frozen=True)
class Served:
    raw: str  # the model's first reply
    reply: str  # what the player gets after the reflection step
    action: str


async def generate(
    settings: Settings, base_url: str, grounded: list[Grounded], row: Row, check: ReflectionCheck
) -> list[Served]:
    """Each line's reply as a turn serves it: the model's reply, then the reflection step
    (redraws, then the fallbacks) of the service."""
    model = ChatModel(settings, base_url)
    lora = row.adapter if row.weights != "int8" else None  # int8: already in the weights
    name = await model.use_adapter(lora.name, lora.path) if lora else None
    reviewer = Reviewer(check, model, settings.reflection_candidates, settings.reflection_budget_s)
    gate = asyncio.Semaphore(4)  # the server batches concurrent requests; the seed is per request

    async def one(g: Grounded) -> Served:
        case = g.scenario.case
        turn = Turn(
            instructions=g.instructions,
            line=case.line,
            support=g.support and g.refused is None,
            facts=g.scenario.summaries(g.recalled),
        )
        async with gate:
            raw = (await model.reply(g.messages, None, name)).text.strip()
            reply, reflection = await reviewer.review(raw, g.messages, turn, name)
        return Served(raw, reply, reflection.action)

    try:
        with Console().status(f"{len(grounded)} replies ({row.label})"):
            return list(await asyncio.gather(*(one(g) for g in grounded)))
    finally:
        await model.close()


def fallbacks(grounded: list[Grounded], served: list[Served]) -> dict[str, Any]:
    """How often each fallback fired, and support lines on turns that needed none."""
    n = len(served)
    counts = Counter(s.action for s in served)
    wrong_support = sum(
        s.reply in SUPPORT_LINES and not (g.support and g.refused is None)
        for g, s in zip(grounded, served, strict=True)
    )
    return {
        "actions": dict(counts),
        "fallback": round(counts["replaced"] / max(1, n), 3),
        "support_line_on_other_turn": wrong_support,
    }


async def ground_dev(reader: CharacterReader) -> tuple[list[Grounded], list[dict[str, Any]]]:
    path = DATA / "dialogue_dev.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    made = scenarios(load_cases([path]), load_personas(DATA / "refusal_dev_personas.json"))
    with scratch_pool() as store:
        return await ground(made, reader, store), raw


REFERENCE = SHIPPED.with_name("dialogue-smollm2-135m")


def table_rows(settings: Settings, folder: Path | None) -> list[Row]:
    """The base model and the reply adapter on it (bf16, LoRA); where the local runtime serves
    the models, also the adapter folded into int8 weights (what `make run` serves) and the 135M
    model's old adapter for reference."""
    model = settings.llm_model
    adapter = adapter_at(folder or settings.data_dir / "adapters" / "dialogue", model)
    adapter = adapter or adapter_at(SHIPPED, model)
    local = settings.llm_base_url is None
    weights: Weights = settings.served_weights if local else "bf16"
    rows = [Row(f"{model} base ({weights})", model, None, weights)]
    if adapter is None:
        return rows
    rows.append(Row(f"{model} + adapter ({weights})", model, adapter, weights))
    reference = adapter_at(REFERENCE, SMOLLM2_135M.name)
    if local and model == DEFAULT_MODEL and reference is not None:
        label = f"{SMOLLM2_135M.name} + adapter (reference)"
        rows.append(Row(label, SMOLLM2_135M.name, reference))
    return rows


def server_key(row: Row) -> tuple[str, str, str | None]:
    """Rows one server answers: int8 weights hold their adapter, so each needs its own."""
    return (
        row.model,
        row.weights,
        row.adapter.path if row.adapter and row.weights == "int8" else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adapter", type=Path, default=None, help="adapter folder to compare")
    parser.add_argument("--judges-only", action="store_true", help="skip generation")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    console = Console()
    # Generous timeout: a batch of long prompts takes a while on two cores.
    settings = Settings(llm_seed=0, llm_max_tokens=80, llm_timeout_s=600)
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

    if not args.judges_only:
        rows = table_rows(settings, args.adapter)
        served: dict[str, list[Served]] = {}
        for key in dict.fromkeys(server_key(r) for r in rows):
            model_name, weights, folded = key
            endpoint = settings.model_copy(
                update={
                    "llm_model": model_name,
                    "vllm_weights": weights,
                    # int8 folds the row's adapter in; the reply adapter setting names it.
                    "reply_adapter": folded or "none",
                }
            )
            with model_endpoint(endpoint, console) as base_url:
                for row in (r for r in rows if server_key(r) == key):
                    served[row.label] = asyncio.run(
                        generate(endpoint, base_url, grounded, row, check)
                    )
        results["rows"] = {
            r.label: {"model": r.model, "adapter": r.adapter and r.adapter.name} for r in rows
        }
        results["rates"] = {
            label: {
                **rates(judge, grounded, [x.reply for x in out]),
                **fallbacks(grounded, out),
                "raw": rates(judge, grounded, [x.raw for x in out]),
            }
            for label, out in served.items()
        }
        table = Table(title=f"dialogue on {len(grounded)} held-out lines, same prompts and seed")
        keys = [*RATE_KEYS, "fallback"]
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
                **{label: out[i].reply for label, out in served.items()},
            }
            for i in sample
        ]
        results["replies"] = [
            {
                "id": g.scenario.case.id,
                **{
                    label: {"reply": out[i].reply, "raw": out[i].raw, "action": out[i].action}
                    for label, out in served.items()
                },
            }
            for i, g in enumerate(grounded)
        ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
