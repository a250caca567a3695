"""The gateway when a part it needs fails, with the real part behind each fault: a Redis server
of the test's own restarted, the vLLM server cut off mid-reply, PostgreSQL cut off. Each test
says what it proves. (The extraction worker killed mid-batch: tests/test_worker_processes.py.)"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from service.runtime.server import free_port
from tests.conftest import POSTGRES_URL, ApiFactory, RedisTarget, SqlTarget, _postgres
from tests.netfault import relay


class RedisProcess:
    """A redis-server of the test's own, with the AOF the stack runs (appendonly), so a
    restart keeps what was written."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--dir", str(self._directory)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


def _log(api_client: object, headers: dict[str, str], player: str) -> list[tuple[str, str]]:
    response = api_client.get(  # type: ignore[attr-defined]
        f"/v1/personas/innkeeper/players/{player}/turns", headers=headers
    )
    return [(e["role"], e["turn_id"]) for e in response.json()["items"]]


@pytest.mark.e2e
def test_a_redis_restart_is_a_503_while_down_and_then_nothing_is_lost(
    make_api: ApiFactory,
    own_redis: RedisProcess,
    sqlite_target: SqlTarget,
    vllm_base_url: str,
) -> None:
    """Proves: while Redis is down a turn is refused with 503 and Retry-After (never a bare
    500, never half-answered); once it is back the same gateway answers without a restart,
    the turn retried with its turn_id is answered once, and what was logged before survives."""
    api = make_api(
        redis_target=RedisTarget(own_redis.url, "fault:"),
        sql_target=sqlite_target,
        llm_base_url=vllm_base_url,
        redis_timeout_s=1.0,
    )
    url, auth = api.turns_url(player="mara"), api.auth
    first = api.client.post(
        url, json={"text": "Evening! Long ride.", "turn_id": "t1"}, headers=auth
    )
    assert first.status_code == 200

    own_redis.stop()
    down = api.client.post(url, json={"text": "A room, please.", "turn_id": "t2"}, headers=auth)
    not_ready = api.client.get("/readyz")
    own_redis.start()
    again = api.client.post(url, json={"text": "A room, please.", "turn_id": "t2"}, headers=auth)

    assert down.status_code == 503 and down.json()["code"] == "redis_unavailable"
    assert int(down.headers["retry-after"]) > 0
    assert not_ready.status_code == 503
    assert not_ready.json()["dependencies"]["redis"]["state"] == "down"
    assert again.status_code == 200 and not again.json()["replayed"]
    assert _log(api.client, auth, "mara") == [
        ("player", "t1"),
        ("npc", "t1"),
        ("player", "t2"),
        ("npc", "t2"),
    ]


@pytest.mark.e2e
def test_the_model_dying_mid_reply_is_an_error_frame_and_the_retry_answers(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    vllm_base_url: str,
) -> None:
    """Proves: a model server that vanishes while a reply streams gives the WebSocket an error
    frame (llm_unavailable, with retry_after), the player's line stays logged once, and a retry
    with the same turn_id, once the server is back, is answered on the same connection."""
    upstream = urlsplit(vllm_base_url)
    with relay(upstream.hostname or "127.0.0.1", upstream.port or 80) as model:
        api = make_api(
            redis_target=redis_server_target,
            sql_target=sqlite_target,
            llm_base_url=f"http://127.0.0.1:{model.port}/v1",
            reflection_check=False,  # the reply streams as it is written
        )
        frame = {
            "type": "turn",
            "text": "Tell me the whole story of how the inn was built, from the first stone.",
            "turn_id": "story-1",
        }
        with api.client.websocket_connect(
            "/v1/personas/innkeeper/players/mara/ws", headers=api.auth
        ) as ws:
            ws.send_json(frame)
            assert ws.receive_json()["type"] == "token"
            model.cut()
            frames = [ws.receive_json()]
            while frames[-1]["type"] == "token":
                frames.append(ws.receive_json())
            model.restore()
            ws.send_json(frame)
            retried = ws.receive_json()
            while retried["type"] == "token":
                retried = ws.receive_json()

    error = frames[-1]
    assert (error["type"], error["code"]) == ("error", "llm_unavailable"), error
    assert error["retry_after"] > 0
    assert retried["type"] == "done" and retried["turn_id"] == "story-1", retried
    assert retried["reply"] and not retried["replayed"]
    assert _log(api.client, api.auth, "mara") == [("player", "story-1"), ("npc", "story-1")]


@pytest.fixture
def postgres_behind_relay() -> Iterator[tuple[SqlTarget, object]]:
    upstream = urlsplit(POSTGRES_URL.replace("postgresql+asyncpg", "postgresql"))
    target = next(schema := _postgres())
    with relay(upstream.hostname or "127.0.0.1", upstream.port or 5432) as database:
        url = POSTGRES_URL.replace(f":{upstream.port}/", f":{database.port}/")
        yield SqlTarget(url, target.schema), database
    next(schema, None)


def test_postgres_down_is_a_503_and_nothing_is_half_written(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    postgres_behind_relay: tuple[SqlTarget, object],
    closed_port_url: str,
) -> None:
    """Proves: with the database gone, reads and writes answer 503 sql_unavailable with
    Retry-After, a turn logs nothing, and a persona created during the outage does not exist
    afterwards; the same gateway serves again once the database is back."""
    sql_target, database = postgres_behind_relay
    api = make_api(
        redis_target=redis_server_target, sql_target=sql_target, llm_base_url=closed_port_url
    )
    auth = api.auth
    assert api.client.get("/v1/personas", headers=auth).status_code == 200

    database.cut()  # type: ignore[attr-defined]
    listed = api.client.get("/v1/personas/innkeeper", headers=auth)
    created = api.client.post("/v1/personas", json={"id": "smith", "name": "Brann"}, headers=auth)
    turn = api.client.post(api.turns_url(player="mara"), json={"text": "Hello"}, headers=auth)
    database.restore()  # type: ignore[attr-defined]

    for response in (listed, created, turn):
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "sql_unavailable"
        assert int(response.headers["retry-after"]) > 0
    assert api.client.get("/v1/personas/smith", headers=auth).status_code == 404
    assert api.client.get("/v1/personas/innkeeper", headers=auth).status_code == 200
    assert _log(api.client, auth, "mara") == []


@pytest.mark.e2e
def test_with_the_memory_pool_gone_the_reply_comes_without_memory_marked_degraded(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    vllm_base_url: str,
) -> None:
    """Proves: with the stack's Qdrant server unreachable (from the start) the gateway still
    starts and answers, the reply made without memory and marked `degraded: ["memory"]`;
    readiness names the pool; the player's line stays queued for extraction, not dropped."""
    api = make_api(
        redis_target=redis_server_target,
        sql_target=sqlite_target,
        llm_base_url=vllm_base_url,
        memory_store="qdrant",
        qdrant_location=f"http://127.0.0.1:{free_port()}",
    )
    url = api.turns_url(player="mara")
    turn = api.client.post(url, json={"text": "I have a sensitive stomach."}, headers=api.auth)
    ready = api.client.get("/readyz")
    events = api.client.get(f"{url[: -len('/turns')]}/events", headers=api.auth)
    time.sleep(1.0)  # the worker tries the line and cannot write it
    queued = redis.Redis.from_url(redis_server_target.url).xlen(
        f"{redis_server_target.prefix}extract"
    )

    assert turn.status_code == 200, turn.text
    body = turn.json()
    assert body["reply"] and body["degraded"] == ["memory"] and body["recalled"] == []
    assert ready.status_code == 503
    assert ready.json()["dependencies"]["memory"]["state"] == "down"
    assert queued == 1
    assert events.status_code == 503 and events.json()["code"] == "memory_unavailable"
    assert int(events.headers["retry-after"]) > 0
