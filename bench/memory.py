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
from core.conversation import Conversation
from core.logging import configure_logging
from core.settings import Settings
from memory.bearing import BearingJudge
from memory.embedding import shared_minilm
from memory.events import Event
from memory.features import shared_featurizer, shared_note_embedder
from memory.hierarchy import Hierarchy
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from memory.store.port import E5_DIM, MemoryStore
from memory.store.qdrant import QdrantMemoryStore
from service.runtime.server import free_port

RESULTS = Path(__file__).parent / "results" / "memory.json"
PLAYERS = 1000
LONG_PLAYER = 5000  # one player of months of play, in the recall benchmark
WRITE_WARMUP = 5
# `--e5-at-query`: notes stored without their e5 vectors, as before they were stored, so recall
# embeds every candidate per query: the same run measures both.
AT_QUERY_E5 = False
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


def _events(
    n: int, rng: np.random.Generator, players: list[tuple[str, int]] | None = None
) -> tuple[list[Event], np.ndarray, np.ndarray]:
    """n events with random unit MiniLM and e5 vectors, spread over PLAYERS players, or over
    `players` (name, how many events) where given."""
    now = datetime.now(UTC)
    vectors = _unit(rng.standard_normal((n, DIM)))
    e5 = _unit(rng.standard_normal((n, E5_DIM)))
    owners = (
        [f"p{i % PLAYERS}" for i in range(n)]
        if players is None
        else [name for name, count in players for _ in range(count)]
    )
    events = [
        Event(
            id=str(uuid.uuid4()),
            tenant_id="bench",
            persona_id="innkeeper",
            player_id=owners[i],
            type="health",
            subject=f"s{i}",
            summary=" ".join(rng.choice(VOCABULARY, 6)),
            created_at=now,
            valid_from=now,
        )
        for i in range(n)
    ]
    return events, vectors, e5


def _unit(matrix: np.ndarray) -> np.ndarray:
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True), dtype=np.float32)


async def _insert(
    store: MemoryStore,
    data: tuple[list[Event], np.ndarray, np.ndarray],
    progress: Progress,
    label: str,
) -> float:
    events, vectors, e5 = data
    stored_e5 = None if AT_QUERY_E5 else e5
    task = progress.add_task(f"{label}: insert {len(events):,}", total=len(events))
    started = time.perf_counter()
    for i in range(0, len(events), 1000):
        batch = slice(i, i + 1000)
        e5_batch = None if stored_e5 is None else stored_e5[batch].tolist()
        await store.upsert(events[batch], vectors[batch].tolist(), e5_batch)
        progress.advance(task, len(events[batch]))
    return time.perf_counter() - started


async def _search_latency(
    store: MemoryStore, n: int, queries: int, progress: Progress, label: str
) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    insert_s = await _insert(store, _events(n, rng), progress, label)
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


async def _recall_latency(
    store: MemoryStore, n: int, turns: int, players: list[str], label: str
) -> dict[str, Any]:
    """A whole recall as the first line of a conversation runs it, after the turn's character
    reader has embedded the line: dense, standing-fact and keyword searches; the bearing judge
    (its e5 half reads the vectors stored with the events); the profile; two lore searches."""
    recaller = Recaller(
        store,
        shared_minilm(),
        RecallConfig(),
        BearingJudge.load(),
        shared_featurizer(),
        # As the service runs it (the line's vector from the features the turn has read);
        # `--e5-at-query` measures recall as it was before either was stored or shared.
        dense_in_features=not AT_QUERY_E5,
    )
    rng = np.random.default_rng(11)
    timings = []
    for i in range(turns):
        player = Conversation("bench", "innkeeper", players[int(rng.integers(len(players)))])
        # A turn's character reader reads the line first; recall then finds its features cached.
        shared_featurizer()([LINES[i % len(LINES)]])
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
        "players": label,
        "turns": turns,
        "p50_ms": round(percentile(timings, 0.5), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


async def pool_search(sizes: list[int], console: Console) -> dict[str, Any]:
    """Search and recall over pools of `sizes` events of 1,000 players (a few events each);
    recall again over a pool of the largest size made of players of 1,000 events and one
    player of 5,000, where a long relationship's cost shows."""
    results: dict[str, Any] = {"edge": [], "qdrant_local": [], "recall_edge": []}
    spread = [f"p{i}" for i in range(PLAYERS)]
    with Progress(console=console) as progress, tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            edge = EdgeMemoryStore(Path(scratch) / f"edge-{n}", DIM)
            results["edge"].append(await _search_latency(edge, n, 500, progress, "edge"))
            results["recall_edge"].append(
                await _recall_latency(edge, n, 200, spread, f"{PLAYERS} of {n // PLAYERS:,}")
            )
            await edge.close()
            # Local mode scans in Python (~1.5 s a query at 100k): fewer queries there.
            local = await QdrantMemoryStore.connect(":memory:", f"bench{n}", DIM)
            queries = 200 if n <= 10_000 else 20
            results["qdrant_local"].append(
                await _search_latency(local, n, queries, progress, "qdrant local")
            )
            await local.close()
        n = max(sizes)
        many = [(f"m{i}", 1000) for i in range((n - LONG_PLAYER) // 1000)]
        edge = EdgeMemoryStore(Path(scratch) / "edge-long", DIM)
        rng = np.random.default_rng(3)
        await _insert(edge, _events(n, rng, [*many, ("long", LONG_PLAYER)]), progress, "edge")
        results["recall_edge"] += [
            await _recall_latency(edge, n, 200, [m for m, _ in many], f"{len(many)} of 1,000"),
            await _recall_latency(edge, n, 200, ["long"], f"one of {LONG_PLAYER:,}"),
        ]
        await edge.close()
    return results


async def write_by_pool_size(sizes: list[int], writes: int, console: Console) -> list[Any]:
    """One player's event write as `POST .../events` does it (embed the note in MiniLM and e5,
    upsert, refresh the profile and reflections) when that player already holds n events: a
    write must cost the same for a player of ten events and one of thousands."""
    notes = shared_note_embedder()
    rng = np.random.default_rng(5)
    rows = []
    with Progress(console=console) as progress, tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            store = EdgeMemoryStore(Path(scratch) / f"writes-{n}", notes.dim)
            hierarchy = Hierarchy(store, notes)
            player = Conversation("bench", "innkeeper", "long")
            await _insert(store, _events(n, rng, [(player.player_id, n)]), progress, "writes")
            await hierarchy.refresh(player, datetime.now(UTC))  # theme lines embedded once
            timings = []
            task = progress.add_task(f"writes at {n:,} events", total=WRITE_WARMUP + writes)
            # The first writes of a process warm the embedders' caches and threads up.
            for i in range(WRITE_WARMUP + writes):
                now = datetime.now(UTC)
                # A note never written before: the featurizer's cache must not serve it.
                summary = f"{LINES[i % len(LINES)]} ({n}-{i})"
                event = Event(
                    id=str(uuid.uuid4()),
                    tenant_id="bench",
                    persona_id="innkeeper",
                    player_id=player.player_id,
                    type="health",
                    subject=f"w{i}",
                    summary=summary,
                    created_at=now,
                    valid_from=now,
                )
                started = time.perf_counter()
                embedded = await notes([event.summary])
                await store.upsert([event], embedded.dense, None if AT_QUERY_E5 else embedded.e5)
                await hierarchy.refresh(player, now, [event.id])
                if i >= WRITE_WARMUP:
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
    parser.add_argument(
        "--only-pool", action="store_true", help="pool search and recall alone (no gateway)"
    )
    parser.add_argument(
        "--e5-at-query",
        action="store_true",
        help="store notes without e5 (as before), so recall embeds candidates per query",
    )
    args = parser.parse_args()
    global AT_QUERY_E5
    AT_QUERY_E5 = args.e5_at_query
    configure_logging("error")  # the switched-off model warns on every turn
    console = Console()
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "e5": "computed per query" if AT_QUERY_E5 else "stored at write time",
    }
    suffix = "_e5_at_query" if AT_QUERY_E5 else ""
    if args.only_pool:
        result["pool_search"] = asyncio.run(pool_search(args.sizes, console))
        _write(result, RESULTS.with_name(f"memory_pool{suffix}.json"), console)
        return
    result["write_by_pool_size"] = asyncio.run(
        write_by_pool_size(args.player_sizes, args.writes, console)
    )
    if args.only_writes:
        _write(result, RESULTS.with_name(f"memory_writes{suffix}.json"), console)
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
    _write(result, RESULTS.with_name(f"memory{suffix}.json"), console)


def _write(result: dict[str, Any], path: Path, console: Console) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
