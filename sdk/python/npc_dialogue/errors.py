"""Typed exceptions for the service's problem+json errors and WebSocket error frames.

Every error the service returns carries a stable `code`; the exception class follows the HTTP
status (the WebSocket sends the code alone, so codes map to the same classes).
"""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """An error the service answered with (RFC 9457 problem details)."""

    status = 500

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        where = "; ".join(
            f"{'.'.join(map(str, e.get('loc', [])))}: {e.get('msg')}" for e in errors or []
        )
        message = ": ".join(part for part in (code, detail, where) if part)
        super().__init__(message)
        self.code = code
        self.detail = detail
        self.status = status or type(self).status
        self.request_id = request_id
        self.retry_after = retry_after
        self.errors = errors or []


class Unauthorized(ApiError):
    status = 401


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    """The resource exists already, or this turn_id is being answered right now."""

    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class InvalidInput(ApiError):
    status = 422


class RateLimited(ApiError):
    """Over the tenant's rate: wait `retry_after` seconds."""

    status = 429


class ServerError(ApiError):
    status = 500


class Unavailable(ApiError):
    """A service the call needs is down; the player's line is kept. Retry after `retry_after`."""

    status = 503


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        Unauthorized,
        NotFound,
        Conflict,
        PayloadTooLarge,
        InvalidInput,
        RateLimited,
        ServerError,
        Unavailable,
    )
}
_BY_CODE: dict[str, type[ApiError]] = {
    "unauthorized": Unauthorized,
    "not_found": NotFound,
    "conflict": Conflict,
    "turn_in_progress": Conflict,
    "adapter_unavailable": Conflict,
    "payload_too_large": PayloadTooLarge,
    "invalid_input": InvalidInput,
    "rate_limited": RateLimited,
    "unavailable": Unavailable,
    "llm_unavailable": Unavailable,
    "redis_unavailable": Unavailable,
    "sql_unavailable": Unavailable,
    "memory_unavailable": Unavailable,
}


def retryable(error: BaseException) -> bool:
    """Worth sending again with the same turn_id: the service kept the line and could not
    answer yet, or is still answering the first attempt."""
    if isinstance(error, Unavailable | RateLimited):
        return True
    return isinstance(error, Conflict) and error.code == "turn_in_progress"


def error_class(status: int | None, code: str) -> type[ApiError]:
    if status is not None and status in _BY_STATUS:
        return _BY_STATUS[status]
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status is not None and status < 500:
        return ApiError
    return ServerError


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def from_response(response: httpx.Response) -> ApiError:
    """The exception for a 4xx/5xx response whose body has been read."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    code = str(body.get("code") or f"http_{response.status_code}")
    return error_class(response.status_code, code)(
        code,
        body.get("detail") or body.get("title") or response.reason_phrase,
        status=response.status_code,
        request_id=body.get("request_id") or response.headers.get("x-request-id"),
        retry_after=_retry_after(response.headers.get("retry-after")),
        errors=body.get("errors"),
    )


def from_frame(frame: dict[str, Any]) -> ApiError:
    """The exception for a WebSocket `{"type": "error", ...}` frame."""
    code = str(frame.get("code") or "internal")
    return error_class(None, code)(
        code,
        frame.get("message"),
        request_id=frame.get("request_id"),
        retry_after=frame.get("retry_after"),
    )


def raise_for_problem(response: httpx.Response) -> None:
    """An httpx response hook (sync client)."""
    if response.status_code >= 400:
        response.read()
        raise from_response(response)


async def araise_for_problem(response: httpx.Response) -> None:
    """An httpx response hook (async client)."""
    if response.status_code >= 400:
        await response.aread()
        raise from_response(response)
