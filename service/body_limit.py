"""A limit on request body size, checked before a route reads the body: a declared
Content-Length over the limit is refused at once, and a body sent without one (chunked) is
counted as it arrives. Character cards (PNG images) get a larger limit than the rest."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PROBLEM_JSON, problem

CARD_IMPORT_PATH = "/v1/personas:import"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, card_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.card_max_bytes = card_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.card_max_bytes if scope["path"] == CARD_IMPORT_PATH else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            # Over the limit: answer 413 here, then tell the route the client left (a route
            # would turn an error raised from its body read into a 400).
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    await _refuse(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    body = problem(
        413, "payload_too_large", "Payload too large", f"the body is over {limit:,} bytes"
    )
    await JSONResponse(body, status_code=413, media_type=PROBLEM_JSON)(scope, receive, send)
