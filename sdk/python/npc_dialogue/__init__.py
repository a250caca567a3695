"""The NPC dialogue service's Python SDK.

REST calls are the generated functions of `npc_dialogue_client.api` (one module per
operation, each with `sync`, `sync_detailed`, `asyncio` and `asyncio_detailed`), given a
client from `connect()` or `connect_async()`, which raise typed errors. The WebSocket turn is
`TurnSocket`.
"""

from npc_dialogue.client import connect, connect_async, ok
from npc_dialogue.errors import (
    ApiError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
)
from npc_dialogue.realtime import TurnSocket, TurnStream

__all__ = [
    "ApiError",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServerError",
    "TurnSocket",
    "TurnStream",
    "Unauthorized",
    "Unavailable",
    "connect",
    "connect_async",
    "ok",
]
