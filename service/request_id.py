"""A request id on every request and WebSocket turn: bound into every log line it causes,
returned in the `X-Request-ID` header and in problem+json, so a game server's report of one
failed call leads to its log lines. A caller's own id is kept when it looks like one."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

HEADER = "X-Request-ID"
_CALLERS = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

log = structlog.get_logger(__name__)


def new_request_id() -> str:
    return uuid.uuid4().hex


def bind_request_id(given: str | None = None) -> str:
    """Bind the caller's id (if it looks like one) or a new one to this context's log lines."""
    request_id = given if given is not None and _CALLERS.match(given) else new_request_id()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


def install_request_ids(app: FastAPI) -> None:
    """Installed last, so it wraps the error mapping: failures carry the id too."""

    @app.middleware("http")
    async def with_request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = bind_request_id(request.headers.get(HEADER))
        started = time.perf_counter()
        response = await call_next(request)
        response.headers[HEADER] = request_id
        if request.url.path not in ("/healthz", "/metrics"):
            log.info(
                "request",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        return response
