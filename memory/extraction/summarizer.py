"""The event summarization model: a player's line to short, typed, dated notes.

A LoRA adapter on the reply model (`make train-summarizer`, trained from the hand-written notes
in tests/data/summaries_train.jsonl) is asked under an enforced JSON schema, on the same vLLM
server, by adapter name. The cheap heads gate it: a line in which they find no fact (a
question, a greeting, small talk) never reaches the model. A note reads "Brother Tomas marries
next month (2027-01); nervous about the speech", not the player's sentence cut out whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import structlog
from openai import AsyncOpenAI
from openai.types.chat import (
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from pydantic import BaseModel, Field, ValidationError

from core.llm import load_adapter
from memory.events import EVENT_TYPES
from memory.extraction.extractor import (
    DEFAULT_IMPORTANCE,
    Candidate,
    ClassifierExtractor,
    ExtractionInput,
    ask_json,
    one_per_fact,
)
from memory.extraction.text import resolve_date

log = structlog.get_logger(__name__)

SHIPPED = Path(__file__).resolve().parents[1] / "adapters" / "summarizer"
TRAINED = Path(__file__).resolve().parents[2] / "var" / "adapters" / "summarizer"

# Short on purpose: what a note looks like is taught by the adapter, not by the prompt.
SYSTEM = (
    "Write memory notes about the player from their line: one note per fact about their life "
    "(identity, preference, relationship, health, experience, plan, commitment, emotion), "
    "short, third person without a subject, in the line's language, dated (YYYY-MM-DD or "
    "YYYY-MM) where the line dates it, relative to said_at. Questions, greetings, requests, "
    "small talk, hypotheticals and facts about the character keep nothing."
)
MAX_NOTES = 5
_DATE = re.compile(r"\((\d{4}-\d{2}(?:-\d{2})?)(?:\.\.[\d-]*)?\)")


@dataclass(frozen=True)
class Adapter:
    name: str  # `summarizer-<hash of its weights>`: a retrained one loads under a new name
    path: Path


def shipped_adapter() -> Adapter | None:
    """The adapter `make train-summarizer` wrote (var/adapters/summarizer), else the shipped
    one, else None."""
    for folder in (TRAINED, SHIPPED):
        card = folder / "card.json"
        if card.exists() and (folder / "adapter_config.json").exists():
            return Adapter(json.loads(card.read_text())["name"], folder.resolve())
    return None


class Note(BaseModel):
    type: str
    note: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=60)
    also: list[str] = Field(default_factory=list)


class Notes(BaseModel):
    notes: list[Note] = Field(max_length=MAX_NOTES)


def schema(types: Sequence[str] = EVENT_TYPES, *, at_least: int = 0) -> dict[str, Any]:
    """The JSON schema the server enforces on the model's output; `at_least`: notes it must
    write (the heads have found a fact in the line)."""
    kinds = {"type": "string", "enum": list(types)}
    note = {
        "type": "object",
        "properties": {
            "type": kinds,
            "note": {"type": "string", "maxLength": 200},
            "subject": {"type": "string", "maxLength": 60},
            "also": {"type": "array", "items": kinds, "maxItems": 2},
        },
        "required": ["type", "note", "subject"],
    }
    return {
        "type": "object",
        "properties": {
            "notes": {"type": "array", "items": note, "minItems": at_least, "maxItems": MAX_NOTES}
        },
        "required": ["notes"],
    }


def messages(text: str, said_at: Date) -> list[ChatCompletionMessageParam]:
    """The request as training and the worker both build it; the player's words travel quoted
    in the user message, never in the system prompt."""
    user = json.dumps({"said_at": said_at.isoformat(), "line": text}, ensure_ascii=False)
    return [
        ChatCompletionSystemMessageParam(role="system", content=SYSTEM),
        ChatCompletionUserMessageParam(role="user", content=user),
    ]


def answer(notes: Sequence[Note]) -> str:
    """The model's expected output for labeled notes (compact JSON; `also` only when set)."""
    rows = [n.model_dump(exclude={"also"} if not n.also else set()) for n in notes]
    return json.dumps({"notes": rows}, ensure_ascii=False, separators=(",", ":"))


def note_date(note: str) -> Date | None:
    """The day a note is dated to: "(2027-01-14)", or the first of "(2027-01)"."""
    found = _DATE.search(note)
    if found is None:
        return None
    day = found.group(1)
    try:
        return Date.fromisoformat(day if len(day) == 10 else f"{day}-01")
    except ValueError:
        return None


def calendar_dated(note: str, line: str, at: datetime) -> str:
    """The note with the date the line's words point to, where the rules of `resolve_date`
    read one: the model places the date, the calendar arithmetic is done here ("next month"
    said on 2026-12-07 is 2027-01; the adapter wrote 2027-02). The model's precision (a month
    or a day) stays."""
    day, found = resolve_date(line, at), _DATE.search(note)
    if day is None or found is None:
        return note
    written = day.isoformat() if len(found.group(1)) == 10 else day.isoformat()[:7]
    return note[: found.start(1)] + written + note[found.end(1) :]


class SummarizerExtractor:
    """Notes from the summarization adapter, for lines the cheap heads say hold a fact."""

    name = "summarizer"
    reads_bias = False  # the heads gate with it, but the model's notes carry no confidence

    def __init__(
        self,
        gate: ClassifierExtractor,
        client: AsyncOpenAI,
        adapter: str,
        adapter_path: Path | None = SHIPPED,
        attempts: int = 2,
    ) -> None:
        """`adapter`: the served name of the summarization adapter; `adapter_path`: where the
        server loads it from (None: it is served already, e.g. a GPU server started with it)."""
        self._gate = gate
        self._client = client
        self._adapter = adapter
        self._adapter_path = adapter_path
        self._loaded = adapter_path is None
        self._attempts = attempts
        self.gated = 0  # lines the heads kept from the model
        self.written = 0  # lines the model wrote notes for
        self.failures = 0  # lines whose output never validated

    async def extract(self, item: ExtractionInput) -> list[Candidate]:
        found = await self._gate.extract(item)
        if not found:
            self.gated += 1
            return []
        custom = {c.name for c in item.custom_types}
        kept = [c for c in found if c.type in custom]  # a persona's own kinds stay the heads'
        try:
            notes = await self._ask(item)
        except (ValidationError, json.JSONDecodeError):
            self.failures += 1
            log.warning("extractor.summarizer_invalid_output", chars=len(item.text))
            return found
        self.written += 1
        allowed = set(item.types)
        return one_per_fact(
            [
                *(
                    Candidate(
                        type=n.type,
                        also=[a for a in n.also if a in allowed and a != n.type],
                        subject=n.subject.lower(),
                        summary=note,
                        importance=DEFAULT_IMPORTANCE.get(n.type, 5),
                        date=note_date(note) if n.type in ("plan", "commitment") else None,
                    )
                    for n in notes.notes
                    if n.type in allowed
                    for note in [calendar_dated(n.note, item.text, item.at)]
                ),
                *kept,
            ]
        )

    async def _ask(self, item: ExtractionInput) -> Notes:
        await self._ensure_loaded()
        # The heads decide whether the line holds a fact, and they let this one through: the
        # adapter alone answers "none" for nearly every line (0 notes on 82 such dev lines),
        # though it writes good notes once one is begun.
        return await ask_json(
            self._client,
            self._adapter,
            messages(item.text, item.at.date()),
            ("notes", schema(item.types, at_least=1)),
            Notes,
            attempts=self._attempts,
            max_tokens=600,  # room for the schema's longest answer: it is never cut off
        )

    async def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        async with httpx.AsyncClient() as http:
            await load_adapter(http, self._client.base_url, self._adapter, str(self._adapter_path))
        self._loaded = True
