"""Extractors: from one player line (and the lines before it) to candidate events.

`ClassifierExtractor` is the default on the CPU: trained heads decide whether a sentence holds
an event and of which types; the summary is cut from the player's own words (so it keeps their
language); dates come from rules. `LLMExtractor` asks any OpenAI-compatible model for the same
thing under an enforced JSON schema (the stack's larger GPU model); `make eval` compares them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from datetime import date as Date
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import structlog
from numpy.typing import NDArray
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field, ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from memory.events import EVENT_TYPES, Event, subject_of
from memory.extraction.classifier import Featurizer, Heads, sigmoid
from memory.extraction.text import clean_summary, resolve_date, split_sentences

log = structlog.get_logger(__name__)

# How much a type matters by default; health and commitments are what a friend must not forget.
DEFAULT_IMPORTANCE = {
    "health": 8,
    "commitment": 7,
    "identity": 7,
    "relationship": 6,
    "plan": 6,
    "emotion": 5,
    "experience": 5,
    "preference": 4,
}
_DATED_TYPES = {"plan", "commitment"}


class HistoryLine(BaseModel):
    role: Literal["player", "npc"]
    text: str


class CustomEventType(BaseModel):
    """A persona's own kind of event, described in words (e.g. quest progress, faction)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    description: str = Field(min_length=3, max_length=300)


class ExtractionScope(BaseModel):
    """What a persona's memory keeps: which of the eight types, and its own ones. Queued with
    each player line, so the worker applies the settings the line was said under."""

    types: list[str] = Field(default_factory=lambda: list(EVENT_TYPES))
    custom_types: list[CustomEventType] = Field(default_factory=list)


class ExtractionInput(BaseModel):
    text: str
    history: list[HistoryLine] = Field(default_factory=list)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    types: list[str] = Field(default_factory=lambda: list(EVENT_TYPES))
    custom_types: list[CustomEventType] = Field(default_factory=list)
    # The player's leaning (memory.preferences): per type, added to the type head's logit.
    bias: dict[str, float] = Field(default_factory=dict)


class Candidate(BaseModel):
    type: str
    also: list[str] = Field(default_factory=list)
    subject: str
    summary: str
    importance: int = Field(5, ge=1, le=10)
    date: Date | None = None
    confidence: float = 1.0

    @property
    def expires_at(self) -> datetime | None:
        """Plans end the day after their date; other types do not expire."""
        if self.type != "plan" or self.date is None:
            return None
        return datetime.combine(self.date + timedelta(days=1), time.min, tzinfo=UTC)


class Extractor(Protocol):
    name: str
    # Whether it applies `ExtractionInput.bias` itself (else the caller filters its output).
    reads_bias: bool

    async def extract(self, item: ExtractionInput) -> list[Candidate]: ...


def one_per_fact(candidates: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per fact: candidates with the same note become one, under the first one's
    type (the most likely), with the other types in `also`; it weighs the most any of its kinds
    weighs (a health fact that is also a feeling is still a health fact to keep)."""
    merged: dict[str, Candidate] = {}
    for cand in candidates:
        key = subject_of(cand.summary)
        first = merged.get(key)
        if first is None:
            merged[key] = cand.model_copy(update={"also": list(cand.also)})
        elif cand.type != first.type and cand.type not in first.also:
            first.also.append(cand.type)
            first.importance = max(first.importance, cand.importance)
            first.date = first.date or cand.date
    return list(merged.values())


def types_of(fact: Candidate | Event) -> set[str]:
    """Every kind a fact is: its type and the kinds it is also."""
    return {fact.type, *fact.also}


def _subject(kind: str, summary: str, slot: str) -> str:
    if kind == "identity":
        return slot
    return subject_of(summary)


# Measured on a handful of lines only: related sentences scored 0.18-0.40 against a type's
# description, unrelated ones below 0.13. Custom types are a zero-shot best effort.
CUSTOM_TYPE_COSINE = 0.17
_SHORT_REPLY_WORDS = 8
_SHORT_REPLY_CHARS = 24  # for scripts written without spaces


def question_answered(item: ExtractionInput) -> str | None:
    """The NPC's question when the player's line is a short reply to it, else None."""
    if not item.history or item.history[-1].role != "npc":
        return None
    last = item.history[-1].text.strip()
    if not last.endswith(("?", "？")):
        return None
    text = item.text.strip()
    short = (
        len(text.split()) <= _SHORT_REPLY_WORDS if " " in text else len(text) <= _SHORT_REPLY_CHARS
    )
    return last if short else None


def _logit(p: NDArray[np.float32]) -> NDArray[np.float32]:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float32)


def leaned(type_p: NDArray[np.float32], bias: dict[str, float]) -> NDArray[np.float32]:
    """The type head's probabilities with each type's logit moved by a player's leaning."""
    if not bias:
        return type_p
    shift = np.array([bias.get(t, 0.0) for t in EVENT_TYPES], dtype=np.float32)
    return sigmoid(_logit(type_p) + shift)


class ClassifierExtractor:
    name = "classifier"
    reads_bias = True

    def __init__(self, featurizer: Featurizer, heads: Heads) -> None:
        self._featurize = featurizer
        self._heads = heads
        self._descriptions: dict[str, NDArray[np.float32]] = {}

    def _custom_matches(
        self, english: NDArray[np.float32], custom: list[CustomEventType]
    ) -> list[tuple[CustomEventType, float]]:
        """Custom types whose description a sentence is close to (zero-shot, MiniLM cosine)."""
        matches = []
        for kind in custom:
            if kind.description not in self._descriptions:
                self._descriptions[kind.description] = self._featurize.english([kind.description])[
                    0
                ]
            score = float(english @ self._descriptions[kind.description])
            if score >= CUSTOM_TYPE_COSINE:
                matches.append((kind, score))
        return matches

    def extract_sync(self, item: ExtractionInput) -> list[Candidate]:
        sentences = split_sentences(item.text)
        if not sentences:
            return []
        question = question_answered(item)
        # "yep, that's Biscuit" means nothing alone; read with the NPC's question before it,
        # it says the player has a dog. The summary stays the player's own words.
        features_of = [f"{question} {s}" for s in sentences] if question else sentences
        x = self._featurize(features_of)
        has_event = self._heads.has_event(x)
        read_p = self._heads.type_probabilities(x)
        type_p = leaned(read_p, item.bias)
        slots = self._heads.slots(x)
        allowed = set(item.types)
        candidates: list[Candidate] = []
        for i, sentence in enumerate(sentences):
            if has_event[i] < self._heads.event_threshold:
                continue
            summary = clean_summary(sentence)
            ranked = sorted(range(len(EVENT_TYPES)), key=lambda t: -type_p[i, t])
            # A sentence the filter passed holds at least its most likely type as the heads
            # read it, unless the player leans against that kind: then nothing (the next
            # likeliest kind would keep the same fact under another name).
            top = int(read_p[i].argmax())
            fallback = [top] if item.bias.get(EVENT_TYPES[top], 0.0) >= 0 else []
            chosen = [t for t in ranked if type_p[i, t] >= self._heads.type_threshold] or fallback
            for t in chosen:
                kind = EVENT_TYPES[t]
                if kind not in allowed:
                    continue
                when = resolve_date(sentence, item.at) if kind in _DATED_TYPES else None
                candidates.append(
                    Candidate(
                        type=kind,
                        subject=_subject(kind, summary, slots[i]),
                        summary=summary,
                        importance=DEFAULT_IMPORTANCE.get(kind, 5),
                        date=when,
                        confidence=round(float(type_p[i, t] * has_event[i]), 3),
                    )
                )
            for custom, score in self._custom_matches(
                x[i, : self._featurize.english_dim], item.custom_types
            ):
                candidates.append(
                    Candidate(
                        type=custom.name,
                        subject=_subject(custom.name, summary, ""),
                        summary=summary,
                        importance=5,
                        confidence=round(score, 3),
                    )
                )
        return one_per_fact(candidates)

    async def extract(self, item: ExtractionInput) -> list[Candidate]:
        return await asyncio.to_thread(self.extract_sync, item)


class _LLMEvent(BaseModel):
    type: str
    summary: str = Field(min_length=1, max_length=160)
    subject: str = Field(min_length=1, max_length=60)


class _LLMEvents(BaseModel):
    events: list[_LLMEvent] = Field(max_length=4)


_SYSTEM = (
    "You read one line a player said to a game character and list the facts it reveals about "
    "the PLAYER. Types: identity (name, age, job, home...), preference (likes, dislikes), "
    "health (conditions, allergies, diet, injuries, sleep), relationship (people and pets), "
    "plan (intentions, scheduled things), experience (what happened to the player), emotion "
    "(current feeling and cause), commitment (a promise between the player and the character). "
    "Greetings, questions, small talk, jokes and hypotheticals reveal nothing: return no events. "
    "Never take a fact from the character's lines. Write each summary in the player's language, "
    "short, close to their words."
)


class LLMExtractor:
    """The model through the OpenAI API with an enforced JSON schema, validated, retried."""

    name = "llm"
    reads_bias = False

    def __init__(self, client: AsyncOpenAI, model: str, attempts: int = 2) -> None:
        self._client = client
        self._model = model
        self._attempts = attempts
        self.failures = 0  # lines whose output never validated; the eval reports it

    def _schema(self, types: Sequence[str]) -> dict[str, Any]:
        event = {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": list(types)},
                "summary": {"type": "string", "maxLength": 160},
                "subject": {"type": "string", "maxLength": 60},
            },
            "required": ["type", "summary", "subject"],
        }
        return {
            "type": "object",
            "properties": {"events": {"type": "array", "items": event, "maxItems": 4}},
            "required": ["events"],
        }

    async def extract(self, item: ExtractionInput) -> list[Candidate]:
        context = "\n".join(f"{h.role}: {h.text}" for h in item.history[-4:])
        # The player's words go in the user message, quoted, never into the system prompt.
        user = (
            f"Earlier lines:\n{context}\n\n" if context else ""
        ) + f"The player's new line (quoted): {json.dumps(item.text, ensure_ascii=False)}"
        names = [*item.types, *(c.name for c in item.custom_types)]
        if item.custom_types:
            described = {c.name: c.description for c in item.custom_types}
            user = f"Extra types (JSON): {json.dumps(described, ensure_ascii=False)}\n\n{user}"
        try:
            parsed = await self._ask(user, names)
        except (ValidationError, json.JSONDecodeError):
            # Output cut off at max_tokens on every attempt: the line yields nothing.
            self.failures += 1
            log.warning("extractor.llm_invalid_output", chars=len(item.text))
            return []
        allowed = set(names)
        return one_per_fact(
            Candidate(
                type=e.type,
                subject=e.subject.lower(),
                summary=e.summary,
                importance=DEFAULT_IMPORTANCE.get(e.type, 5),
                date=resolve_date(item.text, item.at) if e.type in _DATED_TYPES else None,
            )
            for e in parsed.events
            if e.type in allowed
        )

    async def _ask(self, user: str, types: Sequence[str]) -> _LLMEvents:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": user},
        ]
        return await ask_json(
            self._client,
            self._model,
            messages,
            ("events", self._schema(types)),
            _LLMEvents,
            attempts=self._attempts,
            max_tokens=400,
        )


Parsed = TypeVar("Parsed", bound=BaseModel)


async def ask_json(
    client: AsyncOpenAI,
    model: str,
    messages: list[ChatCompletionMessageParam],
    schema: tuple[str, dict[str, Any]],
    parsed: type[Parsed],
    *,
    attempts: int,
    max_tokens: int,
) -> Parsed:
    """The model's answer under an enforced JSON schema (name, schema), validated into
    `parsed`; an answer that does not validate is asked again, sampled."""
    name, body = schema
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type((ValidationError, json.JSONDecodeError)),
        stop=stop_after_attempt(attempts),
        reraise=True,
    ):
        with attempt:
            response = await client.chat.completions.create(
                model=model,
                messages=messages,
                # Greedy decoding again would only repeat the same cut-off output.
                temperature=0.0 if attempt.retry_state.attempt_number == 1 else 0.7,
                max_tokens=max_tokens,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": body},
                },
            )
            return parsed.model_validate_json(response.choices[0].message.content or "")
    raise AssertionError("unreachable: tenacity re-raises the last error")
