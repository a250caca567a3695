"""A stand-in model server for `make load`: OpenAI-compatible, answers every chat completion
at once with a short in-character line (streamed in a few pieces), so a load test measures the
gateway, not the model. It is a test double and says so in every reply's `model` field; it is
never used by the service itself.

    python -m bench.standin_llm --port 8100
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

NAME = "standin-not-a-model"
LINES = (
    "Aye, the stew's hot and the fire's lit. Sit a while, friend.",
    "Ha! You look like the road chewed you up. What'll it be tonight?",
    "The barley ale is fresh from the cellar. Shall I pour you one?",
    "Quiet night so far. The carters say the north road is muddy.",
)
_next_line = itertools.cycle(LINES)
_counter = itertools.count(1)

app = FastAPI(title="stand-in model server (load tests only)")


@app.get("/v1/models")
async def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": NAME, "object": "model", "owned_by": "bench"}]}


@app.post("/v1/chat/completions", response_model=None)
async def completions(request: Request) -> JSONResponse | StreamingResponse:
    body = await request.json()
    n = int(body.get("n") or 1)
    # A different reply each time (the gateway caches what it reads of a text).
    replies = [f"{next(_next_line)} ({next(_counter)})" for _ in range(n)]
    created = int(time.time())
    if not body.get("stream"):
        return JSONResponse(
            {
                "id": "standin",
                "object": "chat.completion",
                "created": created,
                "model": NAME,
                "choices": [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                    for i, text in enumerate(replies)
                ],
                "usage": _usage(replies[0]),
            }
        )
    return StreamingResponse(_stream(replies[0], created), media_type="text/event-stream")


def _usage(text: str) -> dict[str, int]:
    words = len(text.split())
    return {"prompt_tokens": 400, "completion_tokens": words, "total_tokens": 400 + words}


async def _stream(text: str, created: int) -> AsyncIterator[str]:
    words = text.split(" ")
    pieces = [" ".join(words[i : i + 3]) + " " for i in range(0, len(words), 3)]
    pieces[-1] = pieces[-1].rstrip()
    for piece in pieces:
        yield _event(created, {"content": piece}, None)
    yield _event(created, {}, "stop")
    usage = {"id": "standin", "object": "chat.completion.chunk", "created": created}
    yield "data: " + json.dumps(usage | {"model": NAME, "choices": [], "usage": _usage(text)})
    yield "\n\ndata: [DONE]\n\n"


def _event(created: int, delta: dict[str, str], finish: str | None) -> str:
    chunk = {
        "id": "standin",
        "object": "chat.completion.chunk",
        "created": created,
        "model": NAME,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
