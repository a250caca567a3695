"""Facts the game server writes or forgets itself ("finished the harvest quest"), kept as
extracted ones are: with the vectors recall reads stored beside them, and the player's derived
memories (profile, reflections) brought up to date."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from core.conversation import Conversation
from core.errors import InvalidInput, NotFound
from memory.events import EVENT_TYPES, Event, subject_of
from memory.features import NoteEmbedder
from memory.hierarchy import Hierarchy
from memory.store.port import MemoryStore


class EventWrite(BaseModel):
    """A fact from gameplay ("finished the harvest quest"), stored like an extracted event."""

    type: str = Field(min_length=1, max_length=40, examples=["experience"])
    summary: str = Field(min_length=1, max_length=500)
    subject: str | None = Field(None, max_length=200)
    importance: int = Field(5, ge=1, le=10)
    expires_at: datetime | None = None


@dataclass
class Facts:
    store: MemoryStore
    notes: NoteEmbedder
    hierarchy: Hierarchy

    async def write(self, c: Conversation, fact: EventWrite, now: datetime) -> Event:
        if fact.type not in EVENT_TYPES:
            raise InvalidInput(f"type must be one of {', '.join(EVENT_TYPES)}")
        event = Event(
            id=str(uuid.uuid4()),
            tenant_id=c.tenant_id,
            persona_id=c.persona_id,
            player_id=c.player_id,
            type=fact.type,
            subject=fact.subject or subject_of(fact.summary),
            summary=fact.summary,
            importance=fact.importance,
            expires_at=fact.expires_at,
            valid_from=now,
            created_at=now,
            source_turns=["api"],
        )
        embedded = await self.notes([event.summary])
        await self.store.upsert([event], embedded.dense, embedded.e5)
        await self.hierarchy.refresh(c, now, [event.id])
        return event

    async def forget(self, c: Conversation, event_id: str, now: datetime) -> None:
        if not await self.store.delete(c, event_id):
            raise NotFound(f"event {event_id!r} does not exist")
        await self.hierarchy.refresh(c, now)
