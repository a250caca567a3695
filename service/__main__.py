"""`python -m service`: the embedded mode — gateway, embedded Redis and the local model."""

from __future__ import annotations

import uvicorn

from service.app import create_app
from service.logging import configure_logging
from service.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws="websockets-sansio",
    )


if __name__ == "__main__":
    main()
