"""`python -m service`: the embedded mode — gateway, embedded Redis and the local model."""

from __future__ import annotations

import socket
import sys

import uvicorn

from core.logging import configure_logging
from core.settings import Settings
from service.app import create_app


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    # Checked before the lifespan spends half a minute starting vLLM for nothing.
    if not _port_is_free(settings.host, settings.port):
        sys.exit(f"{settings.host}:{settings.port} is in use: stop what runs there or set NPC_PORT")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # The gateway logs each request itself, with its request id (service/request_id.py).
        access_log=False,
        ws="websockets-sansio",
    )


if __name__ == "__main__":
    main()
