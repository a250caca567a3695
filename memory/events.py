"""The event model: what the NPC keeps of a player, as stored in the memory pool."""

from __future__ import annotations

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

from core.clock import utcnow

EventType = Literal[
    "identity",
    "preference",
    "health",
    "relationship",
    "plan",
    "experience",
    "emotion",
    "commitment",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
IDENTITY_SLOTS = ("name", "age", "birthday", "job", "home", "language", "nationality", "school")

# A fixed namespace, so the same turn and position always give the same id: a replayed
# stream entry writes over its own events instead of adding copies.
_NAMESPACE = uuid.UUID("5b0c2f8e-6f1e-4d0a-9a57-2f7d7f4c1e11")


def subject_of(summary: str) -> str:
    """The subject key of a fact without a slot of its own: its summary, normalised."""
    return " ".join(summary.lower().split())[:80]


def event_id(tenant_id: str, persona_id: str, player_id: str, turn_id: str, position: int) -> str:
    key = f"{tenant_id}\x1f{persona_id}\x1f{player_id}\x1f{turn_id}\x1f{position}"
    return str(uuid.uuid5(_NAMESPACE, key))


class Event(BaseModel):
    id: str
    tenant_id: str
    persona_id: str
    player_id: str
    type: str = Field(description="One of the eight types, or a persona's custom type.")
    also: list[str] = Field(
        default_factory=list,
        description='Other kinds the same fact is ("nervous about my brother\'s wedding": '
        "emotion, also relationship); one fact is stored once, under `type`.",
    )
    subject: str = Field(
        max_length=200, description="What the fact is about; same subject → supersede."
    )
    summary: str = Field(min_length=1, max_length=500, description="In the player's language.")
    importance: int = Field(5, ge=1, le=10)
    weight: float | None = Field(
        None,
        description="Importance after decay by age (the worker's periodic job); a new event "
        "weighs its importance.",
    )
    date: Date | None = Field(None, description="The day a plan or commitment is for.")
    valid_from: datetime = Field(default_factory=utcnow)
    valid_to: datetime | None = None
    superseded_by: str | None = None
    expires_at: datetime | None = None
    source_turns: list[str] = Field(default_factory=list)
    sources: list[str] = Field(
        default_factory=list,
        description="For a profile or reflection: the ids of the events it was drawn from.",
    )
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def current(self) -> bool:
        return self.valid_to is None

    @model_validator(mode="after")
    def _weighs_its_importance_until_decayed(self) -> Event:
        # Without a weight, the decay job's first sweep would rewrite every new event (and a
        # read racing it would see the event change under it).
        if self.weight is None:
            self.weight = float(self.importance)
        return self


class ScoredEvent(BaseModel):
    event: Event
    score: float
    # The stored embedding, when a caller asked for it (recall's bearing judge); never sent out.
    vector: list[float] | None = Field(None, exclude=True)
    # Its stored e5 embedding, where the pool holds one (what the judge's multilingual half reads).
    e5: list[float] | None = Field(None, exclude=True)
