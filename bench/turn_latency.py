"""The gateway's added latency: a turn through the service minus a direct model call.

Both go to the same vLLM server with the same messages and sampling (greedy, so both produce
the same tokens), alternating which goes first so neither gets the warmer prefix cache.
Writes bench/results/turn_latency.json.

    python -m bench.turn_latency [--turns 20] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.progress import track

from core.llm import ChatModel
from core.logging import configure_logging
from core.settings import Settings
from persona.adapters import reply_adapter, trained_reply_adapter
from service.app import create_app
from service.runtime.local import prepare
from service.runtime.server import free_port

RESULTS = Path(__file__).parent / "results" / "turn_latency.json"
# Facts first, then lines that bear on them, so recall has something to bring back.
LINES = [
    "Good evening! Is there room by the fire?",
    "I have a sensitive stomach, spicy food wrecks me.",
    "My sister is coming to visit next week.",
    "I failed my archery test again.",
    "I'll bring you some herbs tomorrow.",
    "What's in the stew tonight? I really want something hot and spicy.",
    "Should I tidy the guest room?",
    "I want to practise with my bow.",
    "I'm heading to the forest in the morning.",
    "Who runs the old mill now?",
    "Thanks for the bread yesterday.",
]


# The stages of a turn (its `timings`) that run before the model is called.
BEFORE_MODEL = ("persona_ms", "log_ms", "read_ms", "recall_ms", "prompt_ms")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class ServiceThread:
    def __init__(self, settings: Settings) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings), host="127.0.0.1", port=settings.port, log_level="warning"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServiceThread:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.1)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join()


async def measure(settings: Settings, turns: int, warmup: int, console: Console) -> dict[str, Any]:
    key = settings.dev_api_key.get_secret_value() if settings.dev_api_key else ""
    auth = {"Authorization": f"Bearer {key}"}
    base = f"http://127.0.0.1:{settings.port}"
    model = ChatModel(settings, settings.llm_base_url or "")
    adapter = reply_adapter(settings)
    # The direct call answers through the same reply adapter the turn selects.
    name = await model.use_adapter(adapter.name, adapter.path) if adapter else None
    rows: list[dict[str, float]] = []
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=120) as client:
        for i in track(range(warmup + turns), description="turns", console=console):
            player = f"bench-{i // len(LINES)}"
            url = f"/v1/personas/innkeeper/players/{player}/turns"
            text = LINES[i % len(LINES)]
            # The exact prompt the turn will send (persona, recalled memories, recent lines).
            preview = (await client.post(f"{url}:preview", json={"text": text})).json()
            messages = preview["messages"]

            async def direct(messages: list[dict[str, str]] = messages) -> tuple[float, int]:
                started = time.perf_counter()
                completion = await model.reply(messages, None, name)
                return (time.perf_counter() - started) * 1000, completion.completion_tokens

            async def turn(url: str = url, text: str = text) -> tuple[float, dict[str, float]]:
                started = time.perf_counter()
                response = await client.post(url, json={"text": text})
                response.raise_for_status()
                return (time.perf_counter() - started) * 1000, response.json()["timings"]

            if i % 2:
                direct_ms, direct_tokens = await direct()
                turn_ms, timings = await turn()
            else:
                turn_ms, timings = await turn()
                direct_ms, direct_tokens = await direct()
            if i >= warmup:
                rows.append(
                    {
                        "memory_tokens": preview["memory_tokens"],
                        "prompt_tokens": preview["prompt_tokens"],
                        "turn_ms": turn_ms,
                        "direct_ms": direct_ms,
                        "added_ms": turn_ms - direct_ms,
                        # The gateway's own work before the model is called, as the turn
                        # reports it: what no redraw or sampling difference can blur.
                        "before_model_ms": sum(timings[k] for k in BEFORE_MODEL),
                        "recall_ms": timings["recall_ms"],
                        "tokens": direct_tokens,
                    }
                )
    await model.close()
    added = [r["added_ms"] for r in rows]
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "turns": len(rows),
        "warmup_turns": warmup,
        "max_tokens": settings.llm_max_tokens,
        "model": settings.llm_model,
        "weights": settings.served_weights,
        "reply_adapter": adapter.name if adapter else None,
        "turn_ms": {
            "p50": percentile([r["turn_ms"] for r in rows], 0.5),
            "p95": percentile([r["turn_ms"] for r in rows], 0.95),
        },
        "direct_model_ms": {
            "p50": percentile([r["direct_ms"] for r in rows], 0.5),
            "p95": percentile([r["direct_ms"] for r in rows], 0.95),
        },
        "gateway_added_ms": {
            "p50": percentile(added, 0.5),
            "p95": percentile(added, 0.95),
            "mean": statistics.fmean(added),
        },
        "gateway_before_model_ms": {
            "p50": percentile([r["before_model_ms"] for r in rows], 0.5),
            "p95": percentile([r["before_model_ms"] for r in rows], 0.95),
        },
        "recall_ms": {
            "p50": percentile([r["recall_ms"] for r in rows], 0.5),
            "p95": percentile([r["recall_ms"] for r in rows], 0.95),
        },
        "mean_completion_tokens": statistics.fmean(r["tokens"] for r in rows),
        "memory_tokens_per_turn": {
            "mean": round(statistics.fmean(r["memory_tokens"] for r in rows), 1),
            "p95": percentile([r["memory_tokens"] for r in rows], 0.95),
        },
        "prompt_tokens_per_turn": {
            "mean": round(statistics.fmean(r["prompt_tokens"] for r in rows), 1),
            "p95": percentile([r["prompt_tokens"] for r in rows], 0.95),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as scratch:
        base = Settings(data_dir=Path(scratch))
        server = None
        llm_base_url = base.llm_base_url
        if llm_base_url is None:
            server = prepare(base, console)
            console.print("starting vLLM ...")
            llm_base_url = server.start(base.vllm_start_timeout_s)
        adapter = trained_reply_adapter(base) if base.served_weights != "int8" else None
        settings = base.model_copy(
            update={
                "reply_adapter": adapter.path if adapter else "none",
                "port": free_port(),
                "llm_base_url": llm_base_url,
                "llm_temperature": 0.0,
                "llm_seed": 1,
                "dev_api_key": base.dev_api_key or "npc_bench_key",
            }
        )
        settings = Settings.model_validate(settings.model_dump())
        try:
            with ServiceThread(settings):
                result = asyncio.run(measure(settings, args.turns, args.warmup, console))
        finally:
            if server is not None:
                server.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
