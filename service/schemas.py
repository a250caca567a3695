"""Turn shapes at the API boundary (REST and WebSocket share them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from memory.log import LogEntry
from persona.schemas import Reflection


class TurnRequest(BaseModel):
    text: str = Field(
        min_length=1, description="The player's line. Length limit: NPC_MAX_TEXT_CHARS."
    )
    turn_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.:-]{1,128}$",
        description="Makes a retry idempotent: the same turn_id returns the first answer.",
    )
    at: datetime | None = Field(None, description="The game clock at this turn.")


class Emotion(BaseModel):
    """The player's emotion in this line, read by a classifier trained on labeled lines."""

    label: str = Field(
        description="neutral, joy, sadness, anger, fear, surprise, disgust, "
        "anxiety, loneliness or gratitude."
    )
    intensity: float = Field(ge=0, le=1)
    support: bool = Field(False, description="The reply was guided to acknowledge and comfort.")


class RecalledMemory(BaseModel):
    id: str
    type: str
    summary: str
    score: float = Field(description="Rank score: relevance, importance and recency mixed.")
    relevance: float = Field(description="Cosine similarity of the memory to the line.")
    signal: str = Field(
        description="What brought it: dense (similar meaning), keyword (a rare word shared "
        "with the line), standing (a fact in force), or bearing (the trained judge linked it "
        "to the line with no similarity)."
    )


class Timings(BaseModel):
    """Milliseconds per stage of the turn."""

    persona_ms: float = 0.0
    log_ms: float = 0.0
    read_ms: float = Field(0.0, description="The refusal gate and the emotion reader.")
    recall_ms: float = 0.0
    prompt_ms: float = 0.0
    first_token_ms: float = 0.0
    model_ms: float = 0.0
    review_ms: float = Field(0.0, description="The reflection check (and a regeneration).")
    total_ms: float = 0.0


class Promise(BaseModel):
    """A promise the player made to this character, which this line kept or broke."""

    event_id: str
    promise: str = Field(description="The promise as remembered.")
    outcome: Literal["kept", "broken"]
    confidence: float


class TurnResponse(BaseModel):
    turn_id: str
    reply: str
    refused: bool = False
    refusal_reason: str | None = None
    emotion: Emotion | None = None
    recalled: list[RecalledMemory] = Field(default_factory=list)
    promise: Promise | None = Field(
        None, description="The promise this line kept or broke; it is closed, affinity moves."
    )
    reflection: Reflection = Field(default_factory=Reflection)
    timings: Timings
    replayed: bool = Field(False, description="True when this answers a retried turn_id.")
    degraded: list[Literal["memory"]] = Field(
        default_factory=list,
        description="Parts that could not do their job this turn, so the reply was made "
        "without them. memory: the memory pool was unreachable; nothing was recalled.",
    )


class TurnPreview(BaseModel):
    """What a turn would decide before generating, for designers and evals."""

    refused: bool = False
    refusal_reason: str | None = None
    emotion: Emotion | None = None
    recalled: list[RecalledMemory] = Field(default_factory=list)
    promise: Promise | None = None
    memory_tokens: int = Field(0, description="Estimated tokens the recalled memories take.")
    prompt_tokens: int = Field(description="Tokens of the whole prompt, as the model counts them.")
    messages: list[dict[str, str]] = Field(description="The prompt the model would be sent.")
    degraded: list[Literal["memory"]] = Field(
        default_factory=list, description="As in a turn: parts that could not be reached."
    )


class TurnLog(BaseModel):
    items: list[LogEntry]
    next_after: str | None = Field(None, description="Pass as ?after= for the next page.")


class WsTurn(BaseModel):
    type: Literal["turn"]
    text: str = Field(min_length=1)
    turn_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$")
    at: datetime | None = None
