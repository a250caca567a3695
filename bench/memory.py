"""Memory benchmarks: turn → event searchable; pool search and whole recall (with the bearing
judge's reranking) at 10k and 100k events.

    python -m bench.memory [--sizes 10000 100000]

Writes bench/results/memory.json. Pool search uses random unit vectors (latency does not depend
on what the vectors mean) spread over 1,000 players, and queries one player's events with the
tenant/persona/player filter, as recall does. Turn → searchable runs the gateway and its
in-process worker with the model switched off: the player's line is logged and extracted
whether or not a reply is generated, so this times extraction alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import Progress

from bench.turn_latency import ServiceThread, percentile
from memory.bearing import BearingJudge
from memory.embedding import shared_minilm
from memory.events import Event
from memory.features import shared_featurizer
from memory.hierarchy import Hierarchy
from memory.log import Conversation
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from memory.store.port import MemoryStore
from memory.store.qdrant import QdrantMemoryStore
from service.logging import configure_logging
from service.runtime.server import free_port
from service.settings import Settings

RESULTS = Path(__file__).parent / "results" / "memory.json"
PLAYERS = 1000
DIM = 384
LINES = [
    "I have a sensitive stomach, spicy food wrecks me",
    "My sister Mia visits next week",
    "I can't stand cilantro",
    "I work as a nurse in Chengdu",
    "I failed my driving test",
    "Exams are crushing me",
    "I'll bring you herbs tomorrow",
    "我对花生过敏",
    "Me encanta el chocolate",
    "My dog Pepper is twelve",
    "I broke my wrist last winter",
]


# Summaries of six words from a small vocabulary, so the keyword index has real postings.
VOCABULARY = np.array(
    [
        "stomach",
        "sister",
        "horse",
        "fishing",
        "lake",
        "harvest",
        "river",
        "brother",
        "mill",
        "ale",
        "bread",
        "rain",
        "sword",
        "mountain",
        "debt",
        "wedding",
        "fever",
        "boat",
        "winter",
        "market",
        "promise",
        "father",
        "mother",
        "dog",
        "exam",
        "fear",
        "dark",
        "heights",
        "sea",
        "travel",
        "friend",
        "wife",
        "husband",
        "job",
        "farm",
        "city",
        "festival",
        "letter",
        "child",
    ]
)


def _events(n: int, rng: np.random.Generator) -> tuple[list[Event], np.ndarray]:
    now = datetime.now(UTC)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    events = [
        Event(
            id=str(uuid.uuid4()),
            tenant_id="bench",
            persona_id="innkeeper",
            player_id=f"p{i % PLAYERS}",
            type="health",
            subject=f"s{i}",
            summary=" ".join(rng.choice(VOCABULARY, 6)),
            created_at=now,
            valid_from=now,
        )
        for i in range(n)
    ]
    return events, vectors


async def _search_latency(
    store: MemoryStore, n: int, queries: int, progress: Progress, label: str
) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    events, vectors = _events(n, rng)
    task = progress.add_task(f"{label}: insert {n:,}", total=n)
    started = time.perf_counter()
    for i in range(0, n, 1000):
        await store.upsert(events[i : i + 1000], vectors[i : i + 1000].tolist())
        progress.advance(task, min(1000, n - i))
    insert_s = time.perf_counter() - started
    timings = []
    task = progress.add_task(f"{label}: {queries} queries", total=queries)
    for _ in range(queries):
        player = Conversation("bench", "innkeeper", f"p{rng.integers(PLAYERS)}")
        query = rng.standard_normal(DIM)
        query /= np.linalg.norm(query)
        t0 = time.perf_counter()
        found = await store.search(player, query.tolist(), 10)
        timings.append((time.perf_counter() - t0) * 1000)
        assert all(s.event.player_id == player.player_id for s in found)
        progress.advance(task)
    return {
        "events": n,
        "insert_s": round(insert_s, 1),
        "queries": queries,
        "p50_ms": round(percentile(timings, 0.5), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
    }


async def _recall_latency(store: MemoryStore, n: int, turns: int) -> dict[str, Any]:
    """A whole recall as the first line of a conversation runs it: embed the line; dense,
    standing-fact and keyword searches; the bearing judge; the profile; two lore searches."""
    recaller = Recaller(
        store, shared_minilm(), RecallConfig(), BearingJudge.load(), shared_featurizer()
    )
    rng = np.random.default_rng(11)
    timings = []
    for i in range(turns):
        player = Conversation("bench", "innkeeper", f"p{rng.integers(PLAYERS)}")
        started = time.perf_counter()
        await recaller.recall(
            player,
            LINES[i % len(LINES)],
            datetime.now(UTC),
            opening=True,
            lore_owners=["innkeeper"],
        )
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "events": n,
        "turns": turns,
        "p50_ms": round(percentile(timings, 0.5), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


async def pool_search(sizes: list[int], console: Console) -> dict[str, Any]:
    results: dict[str, Any] = {"edge": [], "qdrant_local": [], "recall_edge": []}
    with Progress(console=console) as progress, tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            edge = EdgeMemoryStore(Path(scratch) / f"edge-{n}", DIM)
            results["edge"].append(await _search_latency(edge, n, 500, progress, "edge"))
            results["recall_edge"].append(await _recall_latency(edge, n, 200))
            await edge.close()
            # Local mode scans in Python (~1.5 s a query at 100k): fewer queries there.
            local = await QdrantMemoryStore.connect(":memory:", f"bench{n}", DIM)
            queries = 200 if n <= 10_000 else 20
            results["qdrant_local"].append(
                await _search_latency(local, n, queries, progress, "qdrant local")
            )
            await local.close()
    return results


async def write_by_pool_size(sizes: list[int], writes: int, console: Console) -> list[Any]:
    """One player's event write as `POST .../events` does it (embed the note, upsert, refresh
    the profile and reflections) when that player already holds n events: a write must cost
    the same for a player of ten events and one of thousands."""
    embedder = shared_minilm()
    rng = np.random.default_rng(5)
    rows = []
    with Progress(console=console) as progress, tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            store = EdgeMemoryStore(Path(scratch) / f"writes-{n}", embedder.dim)
            hierarchy = Hierarchy(store, embedder)
            player = Conversation("bench", "innkeeper", "long")
            events, vectors = _events(n, rng)
            events = [e.model_copy(update={"player_id": player.player_id}) for e in events]
            for i in range(0, n, 1000):
                await store.upsert(events[i : i + 1000], vectors[i : i + 1000].tolist())
            await hierarchy.refresh(player, datetime.now(UTC))  # theme lines embedded once
            timings = []
            task = progress.add_task(f"writes at {n:,} events", total=writes)
            for i in range(writes):
                now = datetime.now(UTC)
                event = events[0].model_copy(
                    update={"id": str(uuid.uuid4()), "summary": LINES[i % len(LINES)]}
                )
                started = time.perf_counter()
                [vector] = await embedder.embed([event.summary])
                await store.upsert([event], [vector])
                await hierarchy.refresh(player, now, [event.id])
                timings.append((time.perf_counter() - started) * 1000)
                progress.advance(task)
            await store.close()
            rows.append(
                {
                    "player_events": n,
                    "writes": writes,
                    "p50_ms": round(percentile(timings, 0.5), 2),
                    "p95_ms": round(percentile(timings, 0.95), 2),
                }
            )
    return rows


async def turn_to_searchable(settings: Settings, turns: int, console: Console) -> dict[str, Any]:
    key = settings.dev_api_key.get_secret_value() if settings.dev_api_key else ""
    timings: list[float] = []
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{settings.port}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ) as client:
        for i in range(turns):
            player = f"searchable-{i}"
            base = f"/v1/personas/innkeeper/players/{player}"
            started = time.perf_counter()
            await client.post(f"{base}/turns", json={"text": LINES[i % len(LINES)]})
            while not (await client.get(f"{base}/events")).json()["items"]:
                if time.perf_counter() - started > 20:
                    raise RuntimeError(f"turn {i} never became searchable")
                await asyncio.sleep(0.005)
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "turns": turns,
        "p50_ms": round(percentile(timings, 0.5), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--player-sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--only-writes", action="store_true", help="the write benchmark alone")
    args = parser.parse_args()
    configure_logging("error")  # the switched-off model warns on every turn
    console = Console()
    result: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat()}
    result["write_by_pool_size"] = asyncio.run(
        write_by_pool_size(args.player_sizes, args.writes, console)
    )
    if args.only_writes:
        console.print_json(data=result)
        return
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            port=free_port(),
            rate_limit_per_minute=0,  # it polls every 5 ms
            dev_api_key="npc_bench_memory",
            llm_base_url=f"http://127.0.0.1:{free_port()}/v1",  # no model: extraction alone
        )
        with ServiceThread(settings):
            console.print("turn → event searchable ...")
            result["turn_to_searchable"] = asyncio.run(
                turn_to_searchable(settings, args.turns, console)
            )
    result["pool_search"] = asyncio.run(pool_search(args.sizes, console))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
