"""The turn over the WebSocket, which generation cannot reach: tokens as an async iterator
ending in the typed result, and a retry that sends the same turn_id again.

    async with TurnSocket.open(base_url, api_key, "innkeeper", "mara") as socket:
        stream = socket.stream("Evening! Any rooms left?")
        async for token in stream:
            print(token, end="", flush=True)
        print(stream.result.emotion)

        reply = await socket.say("And a bowl of stew, please.")  # retried on outages
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from npc_dialogue_client.models import TurnResponse
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from npc_dialogue.errors import from_frame, retryable


def socket_url(base_url: str, persona_id: str, player_id: str) -> str:
    base = base_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    ws_scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    return f"{ws_scheme}://{rest}/v1/personas/{persona_id}/players/{player_id}/ws"


class TurnStream:
    """One turn: iterate for the reply's tokens; `result` holds the typed answer once the
    iteration ends. An error frame raises its `ApiError` subclass from the iteration."""

    def __init__(self, socket: TurnSocket, frame: dict[str, Any]) -> None:
        self._socket = socket
        self._frame = frame
        self.turn_id: str = frame["turn_id"]
        self.request_id: str | None = None
        self._result: TurnResponse | None = None

    @property
    def result(self) -> TurnResponse:
        if self._result is None:
            raise RuntimeError("the turn has not finished: iterate the stream first")
        return self._result

    def __aiter__(self) -> AsyncIterator[str]:
        return self._tokens()

    async def _tokens(self) -> AsyncIterator[str]:
        connection = await self._socket.connection()
        # A server that refused the connection (bad key) has sent its error frame and closed:
        # the frame is still there to read, and says why.
        with contextlib.suppress(ConnectionClosed):
            await connection.send(json.dumps(self._frame))
        while True:
            frame = json.loads(await connection.recv())
            kind = frame.pop("type", None)
            if kind == "token":
                yield str(frame["text"])
            elif kind == "done":
                self.request_id = frame.pop("request_id", None)
                self._result = TurnResponse.from_dict(frame)
                return
            elif kind == "error":
                raise from_frame(frame)


def _wait(state: RetryCallState) -> float:
    """The server's Retry-After where it sent one, else exponential backoff from 0.5 s."""
    error = state.outcome.exception() if state.outcome is not None else None
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after > 0:
        return min(float(retry_after), 30.0)
    return float(wait_exponential(multiplier=0.5, max=8)(state))


def _worth_retrying(error: BaseException) -> bool:
    return retryable(error) or isinstance(error, ConnectionClosed | OSError)


class TurnSocket:
    """One player's WebSocket to one persona. It carries one turn at a time (frames carry no
    turn id); open one per player, not one per line."""

    def __init__(self, url: str, api_key: str) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._connection: ClientConnection | None = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls, base_url: str, api_key: str, persona_id: str, player_id: str
    ) -> AsyncIterator[TurnSocket]:
        socket = cls(socket_url(base_url, persona_id, player_id), api_key)
        try:
            await socket.connection()
            yield socket
        finally:
            await socket.close()

    async def connection(self) -> ClientConnection:
        """The open connection; a dropped one is replaced."""
        if self._connection is None or self._connection.close_code is not None:
            self._connection = await connect(self._url, additional_headers=self._headers)
        return self._connection

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    def stream(
        self, text: str, *, turn_id: str | None = None, at: datetime | None = None
    ) -> TurnStream:
        frame: dict[str, Any] = {"type": "turn", "text": text, "turn_id": turn_id or _new_id()}
        if at is not None:
            frame["at"] = at.isoformat()
        return TurnStream(self, frame)

    async def say(
        self,
        text: str,
        *,
        turn_id: str | None = None,
        at: datetime | None = None,
        on_token: Callable[[str], None] | None = None,
        attempts: int = 4,
    ) -> TurnResponse:
        """The turn, sent again with the same turn_id while the service is unavailable, busy
        with the first attempt, or the connection drops: the player's line is logged once and
        a finished turn is answered again, not regenerated (`replayed` is then true). Tokens of
        an attempt that failed may reach `on_token` before the retry's."""
        turn_id = turn_id or _new_id()
        retrying = AsyncRetrying(
            retry=retry_if_exception(_worth_retrying),
            stop=stop_after_attempt(attempts),
            wait=_wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                stream = self.stream(text, turn_id=turn_id, at=at)
                async for token in stream:
                    if on_token is not None:
                        on_token(token)
                return stream.result
        raise AssertionError("unreachable: tenacity re-raises the last error")


def _new_id() -> str:
    return uuid.uuid4().hex
