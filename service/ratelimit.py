"""Requests per tenant per minute, counted in Redis so every gateway replica shares the count."""

from __future__ import annotations

import time

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import RateLimited

log = structlog.get_logger(__name__)


class TenantRateLimiter:
    """A fixed one-minute window: cheap (one INCR), and the limit is a per-minute budget."""

    def __init__(self, redis: Redis, prefix: str, per_minute: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._per_minute = per_minute

    async def check(self, tenant_id: str) -> None:
        if self._per_minute <= 0:
            return
        now = time.time()
        window = int(now // 60)
        key = f"{self._prefix}rate:{tenant_id}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 61)
                count, _ = await pipe.execute()
        except RedisError as exc:
            # Without Redis nothing that needs it works anyway; do not fail the rest as well.
            log.warning("ratelimit.unavailable", error=type(exc).__name__)
            return
        if count > self._per_minute:
            raise RateLimited(
                f"over {self._per_minute} requests this minute",
                retry_after=max(1, int(60 - now % 60)),
            )
