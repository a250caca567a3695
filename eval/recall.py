"""Recall quality on the labeled recall set: hit rate and distractor rate.

    python -m eval.recall [--data tests/data/recall_dev.jsonl] [--unrelated 20]

Each case is one player with 8-12 stored memories (most of them distractors) and a new line;
the service's recall runs as it does at a turn. Hit rate: relevant memories that came back,
over all relevant memories. Distractor rate: memories that came back but should not have, over
all that came back. Compares, in one run, dense similarity alone (top 3) against the service's
recall. `--unrelated N` lends each player N memories of other cases (a longer relationship).
Writes eval/results/recall.json (recall_N.json with `--unrelated`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from core.conversation import Conversation
from memory.bearing import BearingJudge
from memory.embedding import shared_minilm
from memory.events import Event
from memory.features import shared_featurizer, shared_note_embedder
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from memory.store.port import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "recall_dev.jsonl"
RESULTS = ROOT / "eval" / "results" / "recall.json"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

Method = Callable[[MemoryStore, Conversation, str], Any]


def with_unrelated(cases: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Each case with `n` more memories lent from other cases (a player who has told the NPC
    much more): none of them is relevant to the case's line, though one may now and then happen
    to bear on it, so the distractor rate this gives is an upper bound."""
    if n <= 0:
        return cases
    rng = random.Random(seed)
    padded = []
    for case in cases:
        others = [m for other in cases if other["id"] != case["id"] for m in other["memories"]]
        lent = [
            {**m, "id": f"lent-{i}"} for i, m in enumerate(rng.sample(others, min(n, len(others))))
        ]
        padded.append({**case, "memories": [*case["memories"], *lent]})
    return padded


async def _load(store: MemoryStore, cases: list[dict[str, Any]]) -> dict[str, str]:
    """Store every case's memories under its own player; return event id → memory id."""
    ids: dict[str, str] = {}
    for case in cases:
        scope = Conversation("eval", "npc", case["id"])
        events = []
        for memory in case["memories"]:
            event = Event(
                id=str(uuid.uuid4()),
                tenant_id=scope.tenant_id,
                persona_id=scope.persona_id,
                player_id=scope.player_id,
                type=memory["type"],
                subject=memory["id"],
                summary=memory["summary"],
                valid_from=NOW - timedelta(days=21),
                created_at=NOW - timedelta(days=21),
            )
            ids[event.id] = memory["id"]
            events.append(event)
        embedded = await shared_note_embedder()([e.summary for e in events])
        await store.upsert(events, embedded.dense, embedded.e5)
    return ids


async def _dense_top3(store: MemoryStore, scope: Conversation, line: str) -> list[str]:
    [vector] = await shared_minilm().embed([line])
    return [hit.event.id for hit in await store.search(scope, vector, 3)]


def _service(config: RecallConfig, judge: BearingJudge | None = None) -> Method:
    async def recall(store: MemoryStore, scope: Conversation, line: str) -> list[str]:
        result = await Recaller(store, shared_minilm(), config, judge, shared_featurizer()).recall(
            scope, line, NOW
        )
        return [item.event.id for item in result.items]

    return recall


async def score(
    method: Method, store: MemoryStore, cases: list[dict[str, Any]], ids: dict[str, str]
) -> dict[str, Any]:
    hits = relevant = recalled = distractors = empty_right = empty_cases = 0
    per_tag: dict[str, Counter[str]] = {}
    counts: list[int] = []
    for case in cases:
        scope = Conversation("eval", "npc", case["id"])
        got = {ids[e] for e in await method(store, scope, case["line"])}
        want = set(case["relevant"])
        counts.append(len(got))
        hits += len(got & want)
        relevant += len(want)
        recalled += len(got)
        distractors += len(got - want)
        if not want:
            empty_cases += 1
            empty_right += not got
        for tag in case.get("tags", []):
            tally = per_tag.setdefault(tag, Counter())
            tally["hits"] += len(got & want)
            tally["relevant"] += len(want)
            tally["distractors"] += len(got - want)
            tally["recalled"] += len(got)
    return {
        "hit_rate": round(hits / max(1, relevant), 3),
        "distractor_rate": round(distractors / max(1, recalled), 3),
        "nothing_recalled_when_nothing_bears": f"{empty_right}/{empty_cases}",
        "memories_per_turn": {"mean": round(statistics.fmean(counts), 2), "max": max(counts)},
        "by_tag": {
            tag: {
                "hit_rate": round(t["hits"] / max(1, t["relevant"]), 3),
                "distractor_rate": round(t["distractors"] / max(1, t["recalled"]), 3),
            }
            for tag, t in sorted(per_tag.items())
        },
    }


async def run(cases: list[dict[str, Any]]) -> dict[str, Any]:
    methods: dict[str, Method] = {
        "dense_top3": _dense_top3,
        "similarity_and_standing_facts": _service(RecallConfig()),
    }
    judge = BearingJudge.load()
    if judge is not None:
        # What the service runs when the judge is trained (it is shipped).
        methods["with_bearing_judge"] = _service(RecallConfig(), judge)
    with tempfile.TemporaryDirectory() as scratch:
        store = EdgeMemoryStore(Path(scratch) / "shard", shared_minilm().dim)
        ids = await _load(store, cases)
        results = {name: await score(method, store, cases, ids) for name, method in methods.items()}
        await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--unrelated", type=int, default=0, help="memories lent from other cases to each player"
    )
    args = parser.parse_args()
    console = Console()
    cases = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    results = asyncio.run(run(with_unrelated(cases, args.unrelated)))
    title = f"recall on {len(cases)} cases" + (
        f", {args.unrelated} unrelated memories each" if args.unrelated else ""
    )
    table = Table(title=title)
    for column in ("method", "hit rate", "distractor rate", "nothing when nothing bears"):
        table.add_column(column)
    for name, r in results.items():
        table.add_row(
            name,
            f"{r['hit_rate']:.2f}",
            f"{r['distractor_rate']:.2f}",
            r["nothing_recalled_when_nothing_bears"],
        )
    console.print(table)
    out = RESULTS if not args.unrelated else RESULTS.with_name(f"recall_{args.unrelated}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    body = {"cases": len(cases), "unrelated": args.unrelated, **results}
    out.write_text(json.dumps(body, indent=2) + "\n")
    console.print(f"written to {out}")


if __name__ == "__main__":
    main()
