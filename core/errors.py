"""Domain errors: what went wrong, in words a caller can act on. No transport here: service/
maps each to its HTTP status and problem+json once (service/errors.py), and to WebSocket
error frames."""

from __future__ import annotations


class DomainError(Exception):
    code = "internal"
    title = "Internal error"
    # Seconds after which trying again may succeed (an outage), else None.
    retry_after: int | None = None

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if retry_after is not None:
            self.retry_after = retry_after


class Unauthorized(DomainError):
    code, title = "unauthorized", "Missing or invalid API key"


class NotFound(DomainError):
    code, title = "not_found", "Not found"


class Conflict(DomainError):
    code, title = "conflict", "Conflict"


class TurnInProgress(Conflict):
    code, title = "turn_in_progress", "This turn_id is being answered right now"


class InvalidInput(DomainError):
    code, title = "invalid_input", "Invalid input"


class AdapterUnavailable(Conflict):
    """A persona names a LoRA adapter the model server cannot load (wrong path, wrong base
    model, rank over the server's limit): a configuration error, not an outage."""

    code, title = "adapter_unavailable", "The persona's adapter cannot be loaded"


class Unavailable(DomainError):
    """A part the request needs is down; trying again later may succeed."""

    code, title = "unavailable", "A service this request needs is unreachable"
    retry_after = 2


class LLMUnavailable(Unavailable):
    code, title = "llm_unavailable", "The language model is unreachable"
    retry_after = 5


class RedisUnavailable(Unavailable):
    code, title = "redis_unavailable", "The conversation log is unreachable"


class MemoryUnavailable(Unavailable):
    code, title = "memory_unavailable", "The memory pool is unreachable"


class SQLUnavailable(Unavailable):
    code, title = "sql_unavailable", "The database is unreachable"


class RateLimited(DomainError):
    code, title = "rate_limited", "Too many requests for this tenant"
