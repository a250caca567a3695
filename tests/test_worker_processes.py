"""The extraction worker as its own process: killed mid-batch, and two in one group."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from core.conversation import Conversation
from memory.embedding import shared_minilm
from memory.extraction.extractor import ExtractionInput
from memory.log import ConversationLog
from memory.store.edge import EdgeMemoryStore
from memory.wiring import _classifier_extractor
from tests.conftest import REDIS_SERVER_URL, RedisTarget

LINES = [
    "I have a sensitive stomach",
    "I'm allergic to cats",
    "My sister Mia is a doctor",
    "I work as a carpenter in the harbour",
    "I broke my wrist last winter",
    "I can't stand cilantro",
    "I love rainy days",
    "My dog Pepper is twelve years old",
    "I'm moving to the coast next month",
    "I failed my driving test yesterday",
    "Exams are crushing me lately",
    "I'll bring you some herbs tomorrow",
    "Me encanta el chocolate amargo",
    "Mi hermano vive en Sevilla",
    "我对花生过敏",
    "我下周要去北京出差",
    "I sleep badly since the storm",
    "My grandmother taught me to fish",
    "I won the archery contest last week",
    "I promise to pay you back on Friday",
]
PLAYERS = ("ann", "ben")


def _expected() -> set[tuple[str, str, str]]:
    """(turn_id, type, summary) of every event the lines should produce (same extractor)."""
    extractor = _classifier_extractor()
    expected = set()
    for i, text in enumerate(LINES):
        for candidate in extractor.extract_sync(ExtractionInput(text=text)):
            for player in PLAYERS:
                expected.add((f"{player}-{i}", candidate.type, candidate.summary))
    return expected


async def _enqueue(target: RedisTarget) -> None:
    redis = Redis.from_url(target.url)
    log = ConversationLog(redis, target.prefix, 600, 60)
    await log.ensure_extraction_group()
    now = datetime.now(UTC)
    for i, text in enumerate(LINES):
        for player in PLAYERS:
            await log.append_player_line(
                Conversation("t1", "innkeeper", player), text, f"{player}-{i}", now, now
            )
    await redis.aclose()


def _worker(
    target: RedisTarget,
    data_dir: Path,
    name: str,
    claim_idle_ms: int = 30_000,
    batch: int | None = None,
) -> subprocess.Popen[str]:
    env = os.environ | {
        "NPC_REDIS_URL": target.url,
        "NPC_REDIS_PREFIX": target.prefix,
        "NPC_DATA_DIR": str(data_dir),
        "NPC_WORKER_CONSUMER": name,
        "NPC_WORKER_CLAIM_IDLE_MS": str(claim_idle_ms),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "memory"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until_drained(target: RedisTarget, timeout_s: float = 120.0) -> None:
    client = SyncRedis.from_url(REDIS_SERVER_URL, decode_responses=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        [group] = client.xinfo_groups(f"{target.prefix}extract")
        if group["pending"] == 0 and group["lag"] == 0:
            client.close()
            return
        time.sleep(0.2)
    client.close()
    raise AssertionError(f"the group did not drain: {group}")


def _wait_for_readers(count: int, timeout_s: float = 120.0) -> None:
    """Until `count` workers are blocked reading the group. (Redis 7.0 lists a consumer only
    once its first read returns, so XINFO CONSUMERS cannot tell.)"""
    client = SyncRedis.from_url(REDIS_SERVER_URL, decode_responses=True)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            blocked = [
                c for c in client.client_list() if c["cmd"] == "xreadgroup" and "b" in c["flags"]
            ]
            if len(blocked) >= count:
                return
            time.sleep(0.2)
        raise AssertionError(f"{count} workers were not reading within {timeout_s} s")
    finally:
        client.close()


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output


async def _stored(data_dir: Path) -> list[tuple[str, str, str]]:
    store = EdgeMemoryStore(data_dir / "memory" / "edge", shared_minilm().dim)
    found = []
    for player in PLAYERS:
        for event in await store.list_events(
            Conversation("t1", "innkeeper", player), include_superseded=True
        ):
            found.extend((turn, event.type, event.summary) for turn in event.source_turns)
    await store.close()
    return found


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    redis_server_target: RedisTarget, tmp_path: Path
) -> None:
    asyncio.run(_enqueue(redis_server_target))
    first = _worker(redis_server_target, tmp_path, "first")
    assert first.stdout is not None
    extracted, seen = 0, []
    for line in first.stdout:
        seen.append(line)
        extracted += "worker.extracted" in line
        if extracted == 5:
            break
    assert extracted == 5, "the worker stopped early:\n" + "".join(seen[-30:])
    first.kill()  # SIGKILL: no chance to acknowledge anything
    first.wait()

    second = _worker(redis_server_target, tmp_path, "second", claim_idle_ms=200)
    _wait_until_drained(redis_server_target)
    _stop(second)

    stored = asyncio.run(_stored(tmp_path))
    assert len(stored) == len(set(stored)), "an event was written twice"
    assert set(stored) == _expected()


@pytest.mark.timeout(300)
def test_two_workers_in_one_group_extract_each_turn_once(
    redis_server_target: RedisTarget, tmp_path: Path
) -> None:
    # Each worker owns its own embedded shard, so what each one extracted can be told apart.
    workers = [_worker(redis_server_target, tmp_path / name, name) for name in ("w1", "w2")]
    _wait_for_readers(2)  # both are up and reading before the lines arrive
    asyncio.run(_enqueue(redis_server_target))
    _wait_until_drained(redis_server_target)
    for worker in workers:
        _stop(worker)

    per_worker = [asyncio.run(_stored(tmp_path / name)) for name in ("w1", "w2")]
    turns = [{turn for turn, _, _ in stored} for stored in per_worker]
    assert not turns[0] & turns[1], "a turn was extracted by both workers"
    assert set(per_worker[0]) | set(per_worker[1]) == _expected()
    assert all(turns), "one worker got no work at all"
