"""`python -m service.admin` on SQLite and PostgreSQL: tenants made, keys made, rotated and
revoked as the gateway sees them, and a key never stored in the clear."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core.db import make_engine
from tests.conftest import ApiFactory, RedisTarget, SqlTarget


def _admin(target: SqlTarget, data_dir: Path, *args: str) -> list[dict[str, Any]]:
    env = os.environ | {"NPC_DATABASE_URL": target.url, "NPC_DATA_DIR": str(data_dir)}
    if target.schema:
        env["NPC_DATABASE_SCHEMA"] = target.schema
    done = subprocess.run(
        [sys.executable, "-m", "service.admin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _stored_digests(target: SqlTarget) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(target.url, target.schema)
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT key_hash FROM api_keys"))
            found = {row[0] for row in rows}
        await engine.dispose()
        return found

    return asyncio.run(read())


def test_keys_made_rotated_and_revoked_are_what_the_gateway_accepts(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sql_target: SqlTarget,
    closed_port_url: str,
    tmp_path: Path,
) -> None:
    (tenant,) = _admin(sql_target, tmp_path, "tenant", "create", "studio-a", "--name", "Studio A")
    (first,) = _admin(sql_target, tmp_path, "key", "create", "studio-a", "--label", "server")
    (second,) = _admin(sql_target, tmp_path, "key", "create", "studio-a")
    api = make_api(
        redis_target=redis_server_target, sql_target=sql_target, llm_base_url=closed_port_url
    )

    def status(key: str) -> int:
        headers = {"Authorization": f"Bearer {key}"}
        return api.client.get("/v1/personas", headers=headers).status_code

    assert tenant == {"id": "studio-a", "name": "Studio A"}
    assert status(first["key"]) == 200 and status(second["key"]) == 200
    # Each tenant sees its own: the new tenant has none of the dev tenant's personas.
    personas = api.client.get("/v1/personas", headers={"Authorization": f"Bearer {first['key']}"})
    assert personas.json()["items"] == []

    (rotated,) = _admin(sql_target, tmp_path, "key", "rotate", first["id"])
    (revoked,) = _admin(sql_target, tmp_path, "key", "revoke", second["id"])
    listed = _admin(sql_target, tmp_path, "key", "list", "studio-a")

    assert status(first["key"]) == 401 and status(rotated["key"]) == 200
    assert status(second["key"]) == 401 and revoked["id"] == second["id"]
    assert rotated["label"] == "server" and rotated["tenant_id"] == "studio-a"
    assert [k["id"] for k in listed] == [rotated["id"]] and "key" not in listed[0]
    digests = _stored_digests(sql_target)
    assert hashlib.sha256(rotated["key"].encode()).hexdigest() in digests
    assert rotated["key"] not in digests


def test_admin_errors_are_one_line_and_a_nonzero_exit(
    sql_target: SqlTarget, tmp_path: Path
) -> None:
    env = os.environ | {"NPC_DATABASE_URL": sql_target.url, "NPC_DATA_DIR": str(tmp_path)}
    if sql_target.schema:
        env["NPC_DATABASE_SCHEMA"] = sql_target.schema
    done = subprocess.run(
        [sys.executable, "-m", "service.admin", "key", "create", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "not_found: tenant 'nobody' does not exist"
