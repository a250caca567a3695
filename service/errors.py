"""Domain errors, and their mapping to application/problem+json in one place."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


class ServiceError(Exception):
    status = 500
    code = "internal"
    title = "Internal error"
    retry_after: int | None = None

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if retry_after is not None:
            self.retry_after = retry_after


class Unauthorized(ServiceError):
    status, code, title = 401, "unauthorized", "Missing or invalid API key"


class NotFound(ServiceError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ServiceError):
    status, code, title = 409, "conflict", "Conflict"


class TurnInProgress(ServiceError):
    status, code, title = 409, "turn_in_progress", "This turn_id is being answered right now"


class InvalidInput(ServiceError):
    status, code, title = 422, "invalid_input", "Invalid input"


class LLMUnavailable(ServiceError):
    status, code, title = 503, "llm_unavailable", "The language model is unreachable"
    retry_after = 5


class AdapterUnavailable(ServiceError):
    """A persona names a LoRA adapter the model server cannot load (wrong path, wrong base
    model, rank over the server's limit): a configuration error, not an outage."""

    status, code, title = 409, "adapter_unavailable", "The persona's adapter cannot be loaded"


class RedisUnavailable(ServiceError):
    status, code, title = 503, "redis_unavailable", "The conversation log is unreachable"
    retry_after = 2


class SQLUnavailable(ServiceError):
    status, code, title = 503, "sql_unavailable", "The database is unreachable"
    retry_after = 2


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = Problem(type=_TYPE_BASE + code, title=title, status=status, code=code, detail=detail)
    return body.model_dump(exclude_none=True) | extra


def _response(error: ServiceError) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return JSONResponse(
        problem(error.status, error.code, error.title, error.detail),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def as_service_error(exc: Exception) -> ServiceError | None:
    """Map an infrastructure failure to the error a caller should see, if it is one we know."""
    if isinstance(exc, ServiceError):
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
        assert isinstance(exc, ServiceError)
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
            known = as_service_error(exc)
            if known is None:
                log.exception("request.failed", path=request.url.path)
                return _response(ServiceError())
            log.warning("dependency.unavailable", code=known.code, error=type(exc).__name__)
            return _response(known)

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
