"""Per-persona extraction settings for the worker, read from SQL and cached briefly."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.log import Conversation
from persona.repository import PersonaRepository
from persona.schemas import ExtractionConfig
from service.errors import NotFound


class PersonaExtractionConfigs:
    """`await configs(conversation)` → that persona's ExtractionConfig (defaults if deleted)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_s: float = 30.0) -> None:
        self._sessions = sessions
        self._ttl_s = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, ExtractionConfig]] = {}

    async def __call__(self, c: Conversation) -> ExtractionConfig:
        key = (c.tenant_id, c.persona_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self._sessions() as session:
            try:
                config = (
                    await PersonaRepository(session, c.tenant_id).get(c.persona_id)
                ).extraction
            except NotFound:
                config = ExtractionConfig()
        self._cache[key] = (time.monotonic() + self._ttl_s, config)
        return config
