"""`python -m service.migrate`: upgrade the database (NPC_DATABASE_URL) to the latest schema,
then exit. The stack runs it once before the gateway replicas, which start with
NPC_MIGRATE_ON_START=false."""

from __future__ import annotations

import asyncio

import structlog

from core.db import make_engine, migrate
from core.logging import configure_logging
from core.settings import Settings

log = structlog.get_logger(__name__)


async def upgrade(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url, settings.database_schema)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    log.info("migrate.done", sql=engine.url.render_as_string())


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # SQLite's file lives there
    asyncio.run(upgrade(settings))


if __name__ == "__main__":
    main()
