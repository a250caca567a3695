"""The prompt-only baseline for reading memory commands: the served model, asked under an
enforced JSON schema, on the same held-out lines as the trained reader (`make eval-llm`)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Literal

import numpy as np
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel
from rich.console import Console

from core.settings import Settings
from memory.extraction.extractor import ask_json
from training.progress import progress

_SYSTEM = (
    "A player in a game says one line to a game character who remembers what players tell "
    "it. Decide what the line asks of the character's memory. intent: forget (asks it to "
    "forget or not keep something about the player), remember (asks it to keep something, or "
    "says it matters), outdated (says something told before is no longer true), brush_off "
    "(declines to talk about a topic the character brought up), none (anything else: facts, "
    "questions, small talk, requests). target: the kind of fact named (identity, preference, "
    "health, relationship, plan, experience, emotion, commitment) or none. scope: type when it "
    "speaks of a whole kind from now on, item for one thing."
)


class _Reading(BaseModel):
    intent: Literal["none", "forget", "remember", "outdated", "brush_off"]
    target: Literal[
        "none",
        "identity",
        "preference",
        "health",
        "relationship",
        "plan",
        "experience",
        "emotion",
        "commitment",
    ]
    scope: Literal["item", "type"]


async def _read_all(client: AsyncOpenAI, model: str, texts: list[str]) -> list[_Reading | None]:
    out: list[_Reading | None] = []
    for text in progress(texts, "prompt-only model reading lines"):
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": f"The player's line (quoted): {json.dumps(text)}"},
        ]
        try:
            out.append(
                await ask_json(
                    client,
                    model,
                    messages,
                    ("reading", _Reading.model_json_schema()),
                    _Reading,
                    attempts=2,
                    max_tokens=60,
                )
            )
        except ValueError:
            out.append(None)
    return out


def score_prompt_only(path: Path, console: Console) -> dict[str, Any]:
    from service.runtime.local import model_endpoint

    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    settings = Settings()
    started = time.perf_counter()
    with model_endpoint(settings, console) as base_url:
        client = AsyncOpenAI(base_url=base_url, api_key="EMPTY")
        read = asyncio.run(_read_all(client, settings.llm_model, [r["text"] for r in rows]))
    gold = np.array([r["intent"] for r in rows])
    got = np.array([r.intent if r is not None else "none" for r in read])
    none = gold == "none"
    named = [i for i, r in enumerate(rows) if r.get("target") and got[i] == gold[i] and read[i]]
    result = {
        "lines": len(rows),
        "model": settings.llm_model,
        "intent_accuracy": round(float((got == gold).mean()), 3),
        "ordinary_read_as_command": round(float((got[none] != "none").mean()), 3),
        "commands_missed": round(float((got[~none] == "none").mean()), 3),
        "target_accuracy": round(
            float(np.mean([read[i].target == rows[i]["target"] for i in named])),  # type: ignore[union-attr]
            3,
        )
        if named
        else None,
        "invalid_outputs": sum(r is None for r in read),
        "s_per_line": round((time.perf_counter() - started) / len(rows), 2),
    }
    console.print(result)
    return result
