"""The turn over a WebSocket: token frames as the reply streams, then a `done` frame.

Authentication: `Authorization: Bearer <key>`, or (browsers, which cannot set headers) the
subprotocols `npc.v1` and `bearer.<key>`; the server then selects `npc.v1`.
Frames from the client: {"type": "turn", "text": ..., "turn_id"?, "at"?}.
Frames from the server: {"type": "token", "text": ...}..., then {"type": "done", <TurnResponse>,
"request_id"} or {"type": "error", "code": ..., "message": ..., "request_id"?}. One connection
carries many turns; each turn has its own request id, bound into its log lines.
"""

from __future__ import annotations

import re

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from core.conversation import Conversation
from core.errors import DomainError
from core.logging import current_request_id
from service.deps import ID_PATTERN, SUBPROTOCOL, websocket_tenant
from service.errors import as_domain_error, status_of
from service.request_id import HEADER, bind_request_id
from service.schemas import TurnRequest, WsTurn

router = APIRouter()
log = structlog.get_logger(__name__)

# Close codes in the private range, mirroring the HTTP status.
_CLOSE_INVALID = 4422
_CLOSE_UNSUPPORTED = 1003  # RFC 6455: a data type the endpoint cannot accept


@router.websocket("/v1/personas/{persona_id}/players/{player_id}/ws")
async def turn_socket(websocket: WebSocket, persona_id: str, player_id: str) -> None:
    services = websocket.app.state.services
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    bind_request_id(websocket.headers.get(HEADER))  # the connection's, until its first turn
    if not (re.fullmatch(ID_PATTERN, persona_id) and re.fullmatch(ID_PATTERN, player_id)):
        await _fail(websocket, "invalid_input", "persona_id or player_id is malformed")
        await websocket.close(_CLOSE_INVALID)
        return
    try:
        tenant_id = await websocket_tenant(services, websocket)
    except Exception as exc:
        known = as_domain_error(exc)
        if known is None:
            raise
        await _fail(websocket, known.code, known.detail or known.title, known.retry_after)
        await websocket.close(4000 + status_of(known))  # 4401; 4429 rate; 4503 a store down
        return
    conversation = Conversation(tenant_id, persona_id, player_id)

    async def send_token(piece: str) -> None:
        await websocket.send_json({"type": "token", "text": piece})

    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:  # a binary frame: the protocol is JSON text
                await _fail(websocket, "invalid_input", "frames are JSON text, not binary")
                await websocket.close(_CLOSE_UNSUPPORTED)
                return
            try:
                frame = WsTurn.model_validate_json(raw)
            except ValidationError as exc:
                await _fail(websocket, "invalid_input", _first_error(exc))
                continue
            request = TurnRequest(text=frame.text, turn_id=frame.turn_id, at=frame.at)
            # Each turn is a request of its own: its log lines share an id, sent back with it.
            request_id = bind_request_id()
            try:
                await services.rate_limiter.check(tenant_id)
                result = await services.turns.run(conversation, request, send_token)
            except Exception as exc:
                known = as_domain_error(exc)
                if known is None:
                    log.exception("ws.turn_failed")
                    known = DomainError()
                await _fail(websocket, known.code, known.detail or known.title, known.retry_after)
                continue
            done = {"type": "done", **result.model_dump(mode="json"), "request_id": request_id}
            await websocket.send_json(done)
    except WebSocketDisconnect:
        return


async def _fail(
    websocket: WebSocket, code: str, message: str, retry_after: int | None = None
) -> None:
    frame: dict[str, object] = {"type": "error", "code": code, "message": message}
    if retry_after:
        frame["retry_after"] = retry_after
    if (request_id := current_request_id()) is not None:
        frame["request_id"] = request_id
    await websocket.send_json(frame)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))
