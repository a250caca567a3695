"""Domain errors (core/errors.py) mapped to HTTP statuses and application/problem+json, once."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    RateLimited,
    RedisUnavailable,
    SQLUnavailable,
    Unauthorized,
    Unavailable,
)
from core.logging import current_request_id

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://npc-dialogue.dev/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine-readable `code`."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = Field(None, description="The X-Request-ID of the failed call.")


# Each domain error's HTTP status; a subclass takes its nearest listed ancestor's.
_STATUS: dict[type[DomainError], int] = {
    Unauthorized: 401,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    RateLimited: 429,
    Unavailable: 503,
    DomainError: 500,
}


def status_of(error: DomainError) -> int:
    return next(_STATUS[k] for k in type(error).__mro__ if k in _STATUS)


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = Problem(
        type=_TYPE_BASE + code,
        title=title,
        status=status,
        code=code,
        detail=detail,
        request_id=current_request_id(),
    )
    return body.model_dump(exclude_none=True) | extra


def _response(error: DomainError) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    status = status_of(error)
    return JSONResponse(
        problem(status, error.code, error.title, error.detail),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def as_domain_error(exc: Exception) -> DomainError | None:
    """Map an infrastructure failure to the error a caller should see, if it is one we know."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return RedisUnavailable()
    if isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return SQLUnavailable()
    return None


def install_error_handlers(app: FastAPI) -> None:
    async def on_service_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return _response(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        body = problem(422, "invalid_input", "Invalid input", "the request did not validate")
        return JSONResponse(body | {"errors": errors}, status_code=422, media_type=PROBLEM_JSON)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            problem(exc.status_code, code, str(exc.detail)),
            status_code=exc.status_code,
            media_type=PROBLEM_JSON,
            headers=exc.headers,
        )

    @app.middleware("http")
    async def map_failures(request: Request, call_next: Any) -> Any:
        # Exceptions that escape the routes end here rather than in Starlette's bare 500.
        try:
            return await call_next(request)
        except Exception as exc:
            known = as_domain_error(exc)
            if known is None:
                log.exception("request.failed", path=request.url.path)
                return _response(DomainError())
            log.warning("dependency.unavailable", code=known.code, error=type(exc).__name__)
            return _response(known)

    app.add_exception_handler(DomainError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
