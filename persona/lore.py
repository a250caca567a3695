"""Lore documents in SQL (their text and where their chunks live), scoped by tenant.

The chunks themselves are recalled from the memory pool (`memory.lore`); this table is the
catalogue a game lists, reads back and deletes from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TimestampMixin
from core.errors import NotFound
from memory.lore import LoreLibrary, chunk_text, world_owner
from persona.schemas import Identifier

MAX_LORE_CHARS = 100_000


class LoreDocumentRow(TimestampMixin, Base):
    __tablename__ = "lore_documents"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    persona_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    world_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    chunks: Mapped[int] = mapped_column(Integer, default=0)


class LoreCreate(BaseModel):
    """A document for one persona (`persona_id`) or for every persona of a world (`world_id`)."""

    title: str = Field(min_length=1, max_length=200, examples=["The Valley of Eld"])
    text: str = Field(min_length=1, max_length=MAX_LORE_CHARS)
    persona_id: Identifier | None = None
    world_id: Identifier | None = None

    @model_validator(mode="after")
    def _one_owner(self) -> LoreCreate:
        if (self.persona_id is None) == (self.world_id is None):
            raise ValueError("give exactly one of persona_id or world_id")
        return self


class LoreDocument(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    persona_id: str | None
    world_id: str | None
    chunks: int
    chars: int
    created_at: datetime


class LoreDocumentText(LoreDocument):
    text: str


class LoreList(BaseModel):
    items: list[LoreDocument]


def document_of(row: LoreDocumentRow, with_text: bool = False) -> LoreDocument:
    fields = {
        "id": row.id,
        "title": row.title,
        "persona_id": row.persona_id,
        "world_id": row.world_id,
        "chunks": row.chunks,
        "chars": len(row.text),
        "created_at": row.created_at,
    }
    return LoreDocumentText(**fields, text=row.text) if with_text else LoreDocument(**fields)


class LoreRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, data: LoreCreate) -> LoreDocumentRow:
        row = LoreDocumentRow(
            tenant_id=self._tenant_id,
            id=uuid.uuid4().hex,
            persona_id=data.persona_id,
            world_id=data.world_id,
            title=data.title,
            text=data.text,
            chunks=0,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def row(self, document_id: str) -> LoreDocumentRow:
        row = await self._session.get(LoreDocumentRow, (self._tenant_id, document_id))
        if row is None:
            raise NotFound(f"lore document {document_id!r} does not exist")
        return row

    async def get(self, document_id: str) -> LoreDocument:
        return document_of(await self.row(document_id), with_text=True)

    async def list(self, persona_id: str | None, world_id: str | None) -> list[LoreDocument]:
        query = select(LoreDocumentRow).where(LoreDocumentRow.tenant_id == self._tenant_id)
        if persona_id is not None:
            query = query.where(LoreDocumentRow.persona_id == persona_id)
        if world_id is not None:
            query = query.where(LoreDocumentRow.world_id == world_id)
        rows = await self._session.scalars(query.order_by(LoreDocumentRow.created_at))
        return [document_of(row) for row in rows]

    async def delete(self, row: LoreDocumentRow) -> None:
        await self._session.delete(row)
        await self._session.flush()


@dataclass
class LoreShelf:
    """A tenant's lore: the catalogue in SQL and the chunks in the memory pool, kept together."""

    repository: LoreRepository
    library: LoreLibrary
    tenant_id: str

    async def add(self, body: LoreCreate, now: datetime) -> LoreDocument:
        """The catalogue row and the chunks in the pool, together or not at all."""
        row = await self.repository.add(body)
        owner = body.persona_id or world_owner(str(body.world_id))
        try:
            row.chunks = await self.library.add(
                self.tenant_id, owner, row.id, body.title, body.text, now
            )
        except Exception:
            # The row rolls back with the request; chunks already written must not linger.
            await self.library.remove(self.tenant_id, owner, row.id, len(chunk_text(body.text)))
            raise
        return document_of(row)

    async def delete(self, document_id: str) -> None:
        row = await self.repository.row(document_id)
        owner = row.persona_id or world_owner(str(row.world_id))
        await self.library.remove(self.tenant_id, owner, row.id, row.chunks)
        await self.repository.delete(row)
