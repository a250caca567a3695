"""Stack mode as separate processes on this machine's Redis and PostgreSQL: the migration run
once on its own, a gateway that neither migrates nor extracts, and two extraction workers in
one consumer group. Turns through the gateway's HTTP API are each extracted once.

What differs from the compose stack: there the workers and gateways share one Qdrant server
as the memory pool. No Qdrant server can run here (no binary on PyPI or Debian, no Docker
engine), and the embedded pools lock their folder to one process, so each worker writes to
a pool of its own, and the test reads both."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from core.conversation import Conversation
from memory.embedding import shared_minilm
from memory.store.edge import EdgeMemoryStore
from service.runtime.server import free_port
from service.tenancy import new_api_key
from tests.conftest import RedisTarget, SqlTarget, _postgres, _wait_ready

LINES = [
    "I have a sensitive stomach, spicy food wrecks me for days.",
    "My sister Lena is getting married in Rivermouth next spring.",
    "I'm allergic to cats, so keep the inn cat away from me.",
    "I'll bring you some sea salt from the coast next time, I promise.",
]


@pytest.fixture
def postgres_target() -> Iterator[SqlTarget]:
    yield from _postgres()


def _env(redis: RedisTarget, sql: SqlTarget, data_dir: Path, **extra: str) -> dict[str, str]:
    return os.environ | {
        "NPC_REDIS_URL": redis.url,
        "NPC_REDIS_PREFIX": redis.prefix,
        "NPC_DATABASE_URL": sql.url,
        "NPC_DATABASE_SCHEMA": sql.schema or "",
        "NPC_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


async def _events(data_dir: Path, player: str) -> list[tuple[str, str]]:
    store = EdgeMemoryStore(data_dir / "memory" / "edge", shared_minilm().dim)
    try:
        events = await store.list_events(
            Conversation("dev", "innkeeper", player), include_superseded=True
        )
        return [(turn, e.type) for e in events for turn in e.source_turns]
    finally:
        await store.close()


@pytest.mark.e2e
@pytest.mark.timeout(420)
def test_gateway_and_two_workers_as_processes_extract_each_turn_once(
    redis_server_target: RedisTarget,
    postgres_target: SqlTarget,
    vllm_base_url: str,
    tmp_path: Path,
) -> None:
    key, port = new_api_key(), free_port()
    migrated = subprocess.run(
        [sys.executable, "-m", "service.migrate"],
        env=_env(redis_server_target, postgres_target, tmp_path / "migrate"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "gateway.log"
    gateway_env = _env(
        redis_server_target,
        postgres_target,
        tmp_path / "gateway",
        NPC_HOST="127.0.0.1",
        NPC_PORT=str(port),
        NPC_LLM_BASE_URL=vllm_base_url,
        NPC_DEV_API_KEY=key,
        NPC_RUN_WORKER="false",
        NPC_MIGRATE_ON_START="false",
    )
    try:
        with log.open("w") as out:
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "service"], env=gateway_env, stdout=out, stderr=out
                )
            )
        for name in ("w1", "w2"):
            worker_env = _env(
                redis_server_target,
                postgres_target,
                tmp_path / name,
                NPC_WORKER_CONSUMER=name,
                NPC_WORKER_HEARTBEAT_FILE=str(tmp_path / f"{name}.alive"),
            )
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "memory"],
                    env=worker_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, started[0], log)
        auth = {"Authorization": f"Bearer {key}"}
        player = f"p-{uuid.uuid4().hex[:6]}"
        turn_ids = []
        for i, line in enumerate(LINES):
            turn_id = f"stack-{i}"
            response = httpx.post(
                f"{url}/v1/personas/innkeeper/players/{player}/turns",
                json={"text": line, "turn_id": turn_id},
                headers=auth,
                timeout=120,
            )
            assert response.status_code == 200, response.text
            turn_ids.append(turn_id)

        # A worker acknowledges and drops an entry once its events are written.
        queue = redis.Redis.from_url(redis_server_target.url)
        stream = f"{redis_server_target.prefix}extract"
        deadline = time.monotonic() + 120
        while queue.xlen(stream) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert queue.xlen(stream) == 0, "the workers did not drain the queue"
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(30)

    per_worker = [asyncio.run(_events(tmp_path / name, player)) for name in ("w1", "w2")]
    turns = [{turn for turn, _ in pairs} for pairs in per_worker]
    assert set().union(*turns) == set(turn_ids), "a turn was not extracted"
    assert not turns[0] & turns[1], "a turn was extracted by both workers"
    assert all(len(pairs) == len(set(pairs)) for pairs in per_worker), "an event written twice"
    assert all(turns), "one worker took no part: the group did not spread the work"
    assert (tmp_path / "w1.alive").exists() and (tmp_path / "w2.alive").exists()
