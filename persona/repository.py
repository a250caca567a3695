"""Persona storage. Every query is scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from persona.models import PersonaRow
from persona.schemas import Persona, PersonaCreate, PersonaFields


class PersonaRepository:
    def __init__(
        self,
        session: AsyncSession,
        tenant_id: str,
        changed: Callable[[str], None] | None = None,
    ) -> None:
        """`changed(tenant_id)`: called after a write, for caches of what turns read."""
        self._session = session
        self._tenant_id = tenant_id
        self._changed = changed or (lambda _: None)

    async def get(self, persona_id: str) -> Persona:
        row = await self._session.get(PersonaRow, (self._tenant_id, persona_id))
        if row is None:
            raise NotFound(f"persona {persona_id!r} does not exist")
        return Persona.model_validate(row)

    async def list(self) -> list[Persona]:
        rows = await self._session.scalars(
            select(PersonaRow)
            .where(PersonaRow.tenant_id == self._tenant_id)
            .order_by(PersonaRow.id)
        )
        return [Persona.model_validate(row) for row in rows]

    async def create(self, data: PersonaCreate) -> Persona:
        row = PersonaRow(
            tenant_id=self._tenant_id,
            id=data.id or uuid.uuid4().hex[:12],
            **data.model_dump(mode="json", exclude={"id"}),
        )
        self._session.add(row)
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise Conflict(f"persona {row.id!r} already exists") from exc
        self._changed(self._tenant_id)
        await self._session.refresh(row)
        return Persona.model_validate(row)

    async def replace(self, persona_id: str, data: PersonaFields) -> Persona:
        row = await self._session.get(PersonaRow, (self._tenant_id, persona_id))
        if row is None:
            raise NotFound(f"persona {persona_id!r} does not exist")
        for field, value in data.model_dump(mode="json").items():
            setattr(row, field, value)
        await self._session.flush()
        self._changed(self._tenant_id)
        await self._session.refresh(row)
        return Persona.model_validate(row)

    async def recall_scope(self, persona: Persona) -> tuple[str, ...] | None:
        """The personas whose memories of a player this persona recalls; None: its own only."""
        if persona.memory_scope != "world" or persona.world_id is None:
            return None
        ids = await self._session.scalars(
            select(PersonaRow.id).where(
                PersonaRow.tenant_id == self._tenant_id,
                PersonaRow.world_id == persona.world_id,
                PersonaRow.memory_scope == "world",
            )
        )
        return tuple(sorted({persona.id, *ids}))

    async def delete(self, persona_id: str) -> None:
        row = await self._session.get(PersonaRow, (self._tenant_id, persona_id))
        if row is None:
            raise NotFound(f"persona {persona_id!r} does not exist")
        await self._session.delete(row)
        await self._session.flush()
        self._changed(self._tenant_id)
