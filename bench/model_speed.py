"""The reply model's speed on this machine, one server configuration after another.

Each configuration starts its own vLLM CPU server on the default model (int8: with the reply
adapter folded in; the others without LoRA) and streams replies to
persona prompts (the innkeeper's system prompt, a few remembered facts, a new line; ~400
tokens, the persona part shared), exactly 40 tokens each (`min_tokens` = `max_tokens`), while
a thread embeds sentences the way the extraction worker does (its load is part of the
question: it competes for the same two cores). Reported per configuration: start time, first
token p50/p95 with the persona prefix warm, decode tokens/s, a 40-token reply p50/p95.

Writes bench/results/model_speed.json. `--configs` picks some by name.

    python -m bench.model_speed [--replies 12] [--configs two-cores,one-core]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.turn_latency import percentile
from core.cpu import BF16_FAST, INT8_FAST, Weights, cpu_flags, fastest_weights
from core.settings import Settings
from memory.embedding import shared_minilm
from persona.prompt import build_messages
from persona.schemas import Persona
from service.bootstrap import INNKEEPER
from service.runtime.environment import RuntimeSetupError
from service.runtime.local import prepare

RESULTS = Path(__file__).parent / "results" / "model_speed.json"
TOKENS = 40
LINES = [
    "I really want hotpot tonight! The spiciest you have!",
    "Any rooms free? I rode all day from the coast.",
    "What's the news around town?",
    "My brother is getting married next month and I'm nervous.",
    "Is the road north safe this time of year?",
    "Could you keep my horse in the stable till morning?",
]
FACTS = [
    "I have a sensitive stomach, spicy food wrecks me for days.",
    "My little brother Tomas is getting married next month.",
    "I'm a courier from the coast.",
]
WORKER_LINES = [
    "I have a sensitive stomach, spicy food wrecks me.",
    "My sister Mia visits next week.",
    "I failed my driving test again.",
    "我下周要去北方送信。",
]


@dataclass(frozen=True)
class Config:
    name: str
    cores: str = "0-1"
    eager: bool = True
    prefix_caching: bool = True
    weights: Weights = "bf16"
    extra_args: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)


CONFIGS = [
    Config("one-core", cores="auto"),
    Config("two-cores"),
    Config("two-cores-no-prefix-cache", prefix_caching=False),
    Config("two-cores-compiled", eager=False),
    Config("two-cores-int8", weights="int8"),
    Config("two-cores-fp32", weights="fp32"),
    Config(
        "two-cores-ngram-speculative",
        extra_args=(
            "--speculative-config",
            json.dumps({"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}),
        ),
    ),
]


class WorkerLoad:
    """The extraction worker's share of the cores: sentence embeddings, one line a second."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        embedder = shared_minilm()
        i = 0
        while not self._stop.wait(1.0):
            embedder.embed_sync([WORKER_LINES[i % len(WORKER_LINES)]])
            i += 1

    def __enter__(self) -> WorkerLoad:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def prompts() -> list[list[dict[str, str]]]:
    from memory.events import Event

    now = datetime.now(UTC)
    persona = Persona.model_validate(
        {**INNKEEPER.model_dump(), "created_at": now, "updated_at": now}
    )
    memories = [
        Event.model_validate(
            {
                "id": f"m{i}",
                "tenant_id": "t",
                "persona_id": "innkeeper",
                "player_id": "p",
                "type": "health" if i == 0 else "relationship" if i == 1 else "identity",
                "subject": f"fact {i}",
                "summary": fact,
            }
        )
        for i, fact in enumerate(FACTS)
    ]
    return [build_messages(persona, [], line, memories) for line in LINES]


def stream(client: httpx.Client, model: str, messages: list[dict[str, str]]) -> dict[str, float]:
    started = time.perf_counter()
    first = 0.0
    pieces = 0
    body = {
        "model": model,
        "messages": messages,
        "max_tokens": TOKENS,
        "min_tokens": TOKENS,
        "temperature": 0.7,
        "top_p": 0.9,
        "seed": 0,
        "stream": True,
    }
    with client.stream("POST", "/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                pieces += 1
                if not first:
                    first = time.perf_counter() - started
    total = time.perf_counter() - started
    return {"first_s": first, "total_s": total, "decode_tps": (TOKENS - 1) / (total - first)}


def run_config(config: Config, replies: int, console: Console) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            vllm_cpu_cores=config.cores,
            vllm_enforce_eager=config.eager,
            vllm_prefix_caching=config.prefix_caching,
            vllm_weights=config.weights,
            vllm_max_lora_rank=0,
        )
        server = prepare(settings, console)
        server.extra_args = list(config.extra_args)
        server.extra_env = dict(config.extra_env)
        started = time.monotonic()
        try:
            with console.status(f"{config.name}: starting vLLM"):
                base_url = server.start(settings.vllm_start_timeout_s)
        except RuntimeSetupError as exc:
            return {"error": str(exc).splitlines()[-1][:300]}
        start_s = time.monotonic() - started
        rows = []
        try:
            with httpx.Client(base_url=base_url, timeout=300) as client, WorkerLoad():
                all_prompts = prompts()
                stream(client, settings.llm_model, all_prompts[0])  # warm: first request is slow
                with console.status(f"{config.name}: {replies} replies"):
                    for i in range(replies):
                        rows.append(stream(client, settings.llm_model, all_prompts[i % 6]))
        finally:
            server.stop()
    return {
        "start_s": round(start_s, 1),
        "first_token_s": {
            "p50": round(percentile([r["first_s"] for r in rows], 0.5), 3),
            "p95": round(percentile([r["first_s"] for r in rows], 0.95), 3),
        },
        "decode_tokens_per_s": round(statistics.fmean(r["decode_tps"] for r in rows), 2),
        "reply_40_tokens_s": {
            "p50": round(percentile([r["total_s"] for r in rows], 0.5), 2),
            "p95": round(percentile([r["total_s"] for r in rows], 0.95), 2),
        },
        "replies": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=12)
    parser.add_argument("--configs", default="", help="comma-separated names; default all")
    args = parser.parse_args()
    console = Console()
    chosen = [c for c in CONFIGS if not args.configs or c.name in args.configs.split(",")]
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "model": Settings().llm_model,
        # The winner depends on the CPU: which fast int8 / bf16 instructions it has.
        "cpu": {
            "int8_fast": sorted(cpu_flags() & INT8_FAST),
            "bf16_fast": sorted(cpu_flags() & BF16_FAST),
            "auto_weights": fastest_weights(cpu_flags()),
        },
        "tokens_per_reply": TOKENS,
        "configs": {},
    }
    for config in chosen:
        results["configs"][config.name] = run_config(config, args.replies, console)
        console.print(config.name, results["configs"][config.name])
    table = Table(title=f"{results['model']}: {TOKENS}-token replies, worker load beside")
    for column in ("config", "start s", "first token p50/p95 s", "decode tok/s", "reply p50/p95 s"):
        table.add_column(column)
    for name, r in results["configs"].items():
        if "error" in r:
            table.add_row(name, "failed", r["error"][:60], "", "")
            continue
        table.add_row(
            name,
            f"{r['start_s']:.0f}",
            f"{r['first_token_s']['p50']:.2f} / {r['first_token_s']['p95']:.2f}",
            f"{r['decode_tokens_per_s']:.1f}",
            f"{r['reply_40_tokens_s']['p50']:.2f} / {r['reply_40_tokens_s']['p95']:.2f}",
        )
    console.print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
