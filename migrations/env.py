"""Alembic environment: runs on a connection handed in by the app, or on NPC_DATABASE_URL."""

import asyncio

from alembic import context
from sqlalchemy import Connection

import persona.lore
import persona.models  # noqa: F401
import service.tenancy  # noqa: F401
from core.db import Base, make_engine
from core.settings import Settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    settings = Settings()
    engine = make_engine(settings.resolved_database_url, settings.database_schema)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=Settings().resolved_database_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif (given := context.config.attributes.get("connection")) is not None:
    _run(given)
else:
    asyncio.run(_run_from_settings())
