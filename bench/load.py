"""`make load`: N WebSocket players talking at once to one gateway process for T seconds, with
the model replaced by a stand-in server (bench/standin_llm.py) that answers at once, so what is
measured is the gateway: persona, log, refusal gate and emotion reader, recall (each player
starts with memories written through the API), prompt, the reflection check. Loopback only.

    python -m bench.load [--players 50] [--seconds 60] [--worker elsewhere|inside]

`--worker elsewhere` (the default) runs the gateway as the stack does: it queues each line for
extraction and the workers run on other machines (their queue is reported, not worked off).
`--worker inside` runs the embedded mode's worker in the same process, sharing its cores.

Prints and writes bench/results/load.json: turns/s, per-turn latency p50/p99 (send to `done`;
the stand-in's own time is under a millisecond, so this is what the gateway adds), errors, and
the gateway's resident memory over the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.progress import Progress
from websockets.asyncio.client import connect

from service.runtime.server import free_port
from service.tenancy import new_api_key

RESULTS = Path(__file__).parent / "results" / "load.json"
# Lines made unique per turn (names, places, numbers), as real players' are: the gateway's
# feature cache must not turn the load into a replay.
TEMPLATES = (
    "Good evening! Is there room by the fire for {n} tired travellers?",
    "I have a sensitive stomach, {food} wrecks me for days.",
    "My sister {name} is getting married in {town} next spring.",
    "What's the news around {town} these days?",
    "I really want some {food} tonight, {n} bowls if you have them.",
    "I'll bring you {n} jars of sea salt from {town} next time, I promise.",
)
NAMES = ("Lena", "Tomas", "Mira", "Oskar", "Ines", "Bram", "Yuki", "Ada", "Pavel", "Noor")
TOWNS = ("Rivermouth", "the coast", "Eldham", "Northwatch", "the capital", "Saltmarsh")
FOODS = ("spicy stew", "hotpot", "fried fish", "onion soup", "pepper bread", "chili beans")


def _line(player: int, turn: int) -> str:
    k = player * 7919 + turn * 104729
    return TEMPLATES[(player + turn) % len(TEMPLATES)].format(
        n=k % 97 + 2,
        name=NAMES[k % len(NAMES)],
        town=TOWNS[(k // 7) % len(TOWNS)],
        food=FOODS[(k // 13) % len(FOODS)],
    )


MAX_PLAYERS, MAX_SECONDS = 500, 900
# What each player has told the innkeeper before the run, written through the API.
MEMORIES = (
    ("health", "I have a sensitive stomach"),
    ("relationship", "My sister {name} lives in {town}"),
    ("preference", "I love {food}"),
    ("plan", "I'm travelling to {town} next month"),
    ("commitment", "I promised to bring {n} jars of honey"),
)
console = Console()


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{log.name} exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    sys.exit(f"not ready in {timeout_s:.0f} s: {url}")


async def _player(
    url: str,
    key: str,
    index: int,
    deadline: float,
    latencies: list[float],
    errors: list[str],
    stages: list[dict[str, float]],
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with connect(
        f"{url}/v1/personas/innkeeper/players/load-{index}/ws", additional_headers=headers
    ) as ws:
        turn = 0
        while time.monotonic() < deadline:
            frame = {
                "type": "turn",
                "text": _line(index, turn),
                "turn_id": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            await ws.send(json.dumps(frame))
            while True:
                answer = json.loads(await ws.recv())
                if answer["type"] != "token":
                    break
            if answer["type"] == "done":
                latencies.append((time.perf_counter() - started) * 1000)
                stages.append(answer["timings"])
            else:
                errors.append(str(answer.get("code")))
            turn += 1


async def _seed(url: str, key: str, players: int) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:

        async def seed(index: int) -> None:
            for kind, summary in MEMORIES:
                k = index * 7919
                text = summary.format(
                    name=NAMES[k % len(NAMES)],
                    town=TOWNS[k % len(TOWNS)],
                    food=FOODS[k % 6],
                    n=k % 9,
                )
                response = await client.post(
                    f"/v1/personas/innkeeper/players/load-{index}/events",
                    json={"type": kind, "summary": text},
                )
                response.raise_for_status()

        await asyncio.gather(*(seed(i) for i in range(players)))


async def _drive(
    url: str, key: str, players: int, seconds: float, gateway: psutil.Process
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    stages: list[dict[str, float]] = []
    memory: list[tuple[float, float]] = []
    started = time.monotonic()
    deadline = started + seconds
    tasks = [
        asyncio.create_task(_player(url, key, i, deadline, latencies, errors, stages))
        for i in range(players)
    ]
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task(f"{players} players", total=seconds)
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            memory.append((time.monotonic() - started, gateway.memory_info().rss / 2**20))
            progress.update(
                bar,
                completed=min(seconds, time.monotonic() - started),
                description=f"{players} players, {len(latencies)} turns",
            )
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    errors += [type(o).__name__ for o in outcomes if isinstance(o, BaseException)]
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [0.0] * 99
    # Memory after the first fifth (warm-up: models loaded, caches filled) to the end.
    settled = [rss for t, rss in memory if t >= seconds / 5] or [rss for _, rss in memory]
    return {
        "players": players,
        "seconds": round(elapsed, 1),
        "turns": len(latencies),
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms_p50": round(quantiles[49], 1),
        "latency_ms_p99": round(quantiles[98], 1),
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
        "rss_mib_after_warmup": round(settled[0], 1),
        "rss_mib_end": round(settled[-1], 1),
        "rss_mib_max": round(max(settled), 1),
        # Least-squares slope of RSS over the settled samples: flat memory reads near zero.
        "rss_mib_per_min": round(_slope([(t, m) for t, m in memory if t >= seconds / 5]) * 60, 2),
        # Where a turn's time goes inside the gateway (its own timings, means in ms).
        "stage_ms_mean": {
            name.removesuffix("_ms"): round(statistics.fmean(s[name] for s in stages), 1)
            for name in (stages[0] if stages else {})
        },
    }


def _slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([t for t, _ in points], [m for _, m in points]).slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--worker", choices=("elsewhere", "inside"), default="elsewhere")
    args = parser.parse_args()
    if not (1 <= args.players <= MAX_PLAYERS and 5 <= args.seconds <= MAX_SECONDS):
        sys.exit(f"players 1..{MAX_PLAYERS}, seconds 5..{MAX_SECONDS}")
    work = Path(tempfile.mkdtemp(prefix="npc-load-"))
    model_port, gateway_port, key = free_port(), free_port(), new_api_key()
    console.print(f"[bold]stand-in model server[/] (not a model: answers at once) on :{model_port}")
    standin = _start(
        [sys.executable, "-m", "bench.standin_llm", "--port", str(model_port)],
        dict(os.environ),
        work / "standin.log",
    )
    env = os.environ | {
        "NPC_HOST": "127.0.0.1",
        "NPC_PORT": str(gateway_port),
        "NPC_DATA_DIR": str(work / "var"),
        "NPC_LLM_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
        "NPC_LLM_MODEL": "standin-not-a-model",
        "NPC_REPLY_ADAPTER": "none",
        "NPC_DEV_API_KEY": key,
        "NPC_RATE_LIMIT_PER_MINUTE": "0",
        "NPC_LOG_LEVEL": "warning",
        "NPC_RUN_WORKER": "true" if args.worker == "inside" else "false",
    }
    gateway = _start([sys.executable, "-m", "service"], env, work / "gateway.log")
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        _wait(f"http://127.0.0.1:{model_port}/v1/models", standin, work / "standin.log")
        _wait(f"{url}/readyz", gateway, work / "gateway.log")
        asyncio.run(_seed(url, key, args.players))
        console.print(
            f"gateway (one process, recall on, worker {args.worker}) on :{gateway_port}; "
            f"{args.players} players for {args.seconds:.0f} s"
        )
        result = asyncio.run(
            _drive(
                url.replace("http", "ws"),
                key,
                args.players,
                args.seconds,
                psutil.Process(gateway.pid),
            )
        )
    finally:
        for process in (gateway, standin):
            process.terminate()
            process.wait(30)
    result |= {
        "worker": args.worker,
        "memories_per_player": len(MEMORIES),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "model": "stand-in server (bench/standin_llm.py), not a model",
    }
    out = RESULTS if args.worker == "elsewhere" else RESULTS.with_name("load_worker_inside.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
