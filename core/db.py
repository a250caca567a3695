"""SQL engine, the declarative base, and running Alembic migrations from inside the app."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, DateTime, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.clock import utcnow
from core.errors import SQLUnavailable

_ROOT = Path(__file__).resolve().parent.parent

# Named constraints, so Alembic can drop them by name on PostgreSQL and in SQLite batch mode.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def make_engine(url: str, schema: str | None = None) -> AsyncEngine:
    """An async engine; `schema` pins PostgreSQL's search_path (tests use one schema each)."""
    connect_args: dict[str, Any] = {}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql+asyncpg"):
        connect_args["timeout"] = 5  # seconds to connect; asyncpg waits a minute by default
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)


@asynccontextmanager
async def reaching_sql() -> AsyncIterator[None]:
    """The database unreachable as SQLUnavailable: asyncpg raises its socket errors unwrapped
    when it connects, where SQLAlchemy would have raised an OperationalError."""
    try:
        yield
    except (ConnectionError, TimeoutError, socket.gaierror) as exc:
        raise SQLUnavailable() from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    return config


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or downgrade) the database behind `engine` on its own connection."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
