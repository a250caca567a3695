"""Alembic migrations up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import make_engine, migrate
from tests.conftest import SqlTarget

TABLES = {"tenants", "api_keys", "personas"}


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def _columns(engine: AsyncEngine, table: str) -> set[str]:
    async with engine.connect() as connection:
        columns = await connection.run_sync(lambda c: inspect(c).get_columns(table))
    return {column["name"] for column in columns}


async def test_upgrade_creates_tables_and_downgrade_removes_them(sql_target: SqlTarget) -> None:
    engine = make_engine(sql_target.url, sql_target.schema)
    try:
        await migrate(engine)
        assert await _tables(engine) >= TABLES

        await migrate(engine, "base", down=True)
        assert not TABLES & await _tables(engine)

        await migrate(engine)
        await migrate(engine)  # a second upgrade at head changes nothing
        assert await _tables(engine) >= TABLES
    finally:
        await engine.dispose()
