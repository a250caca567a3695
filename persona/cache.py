"""Personas as turns read them, kept for a moment per process: every turn needs its persona
and recall scope, and under load the lookups queue for database connections (make load).

An edit made through this process is seen at once (the persona routes forget the tenant's
entries); one made through another replica is seen within `ttl_s`."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import reaching_sql
from persona.repository import PersonaRepository
from persona.schemas import Persona

Scoped = tuple[Persona, tuple[str, ...] | None]


class PersonaCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_s: float) -> None:
        self._sessions = sessions
        self._ttl_s = ttl_s
        self._entries: dict[tuple[str, str], tuple[float, Scoped]] = {}

    async def get(self, tenant_id: str, persona_id: str) -> Scoped:
        """The persona and whose memories of a player it recalls (None: its own)."""
        key = (tenant_id, persona_id)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl_s:
            return entry[1]
        async with reaching_sql(), self._sessions() as session:
            personas = PersonaRepository(session, tenant_id)
            persona = await personas.get(persona_id)
            scoped = (persona, await personas.recall_scope(persona))
        if self._ttl_s > 0:
            self._entries[key] = (now, scoped)
        return scoped

    def forget(self, tenant_id: str) -> None:
        """A persona of the tenant changed: a world's recall scope may have too."""
        for key in [k for k in self._entries if k[0] == tenant_id]:
            del self._entries[key]
