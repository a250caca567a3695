"""`GET /metrics`: Prometheus text format, unauthenticated like the health checks (scraped from
inside the deployment; it holds counts and timings, no ids and no player text)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from core.metrics import EXTRACTION_PENDING, EXTRACTION_STREAM_LENGTH, REGISTRY
from service.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(services: ServicesDep) -> Response:
    # Read at scrape time: the queue is shared by every worker of the group, and only its
    # current depth means anything. A Redis outage leaves the last values (and shows in
    # /readyz).
    with contextlib.suppress(RedisError, OSError):
        length, pending = await services.conversation_log.queue_depth()
        EXTRACTION_STREAM_LENGTH.set(length)
        EXTRACTION_PENDING.set(pending)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
