"""Dependencies as named types, so a route's signature reads as a sentence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversation import Conversation
from core.db import reaching_sql
from core.errors import Unauthorized
from memory.lore import LoreLibrary
from persona.lore import LoreRepository, LoreShelf
from persona.repository import PersonaRepository
from service.tenancy import tenant_for_key

if TYPE_CHECKING:
    from service.app import Services

_bearer = HTTPBearer(auto_error=False, description="The tenant's API key.")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated["Services", Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with reaching_sql(), services.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def authenticate(services: Services, key: str | None) -> str:
    """The tenant id for a presented key, counted against its rate limit; raises Unauthorized
    or RateLimited."""
    if not key:
        raise Unauthorized("send Authorization: Bearer <API key>")
    async with reaching_sql(), services.sessions() as session:
        tenant_id = await tenant_for_key(session, key)
    if tenant_id is None:
        raise Unauthorized("the API key is not valid")
    await services.rate_limiter.check(tenant_id)
    return tenant_id


async def current_tenant(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    return await authenticate(services, credentials.credentials if credentials else None)


TenantDep = Annotated[str, Depends(current_tenant)]


# Browsers cannot set headers on a WebSocket: they offer the key as a subprotocol instead,
# beside SUBPROTOCOL, which the server selects (the key is never echoed back).
SUBPROTOCOL = "npc.v1"
_KEY_PROTOCOL = "bearer."


def websocket_key(websocket: WebSocket) -> str | None:
    """The key of the `Authorization: Bearer` header (read as HTTPBearer reads it for the REST
    routes), else of a `bearer.<key>` subprotocol."""
    scheme, key = get_authorization_scheme_param(websocket.headers.get("authorization"))
    if scheme.lower() == "bearer" and key:
        return key
    offered: list[str] = websocket.scope.get("subprotocols", [])
    return next((p[len(_KEY_PROTOCOL) :] for p in offered if p.startswith(_KEY_PROTOCOL)), None)


async def websocket_tenant(services: Services, websocket: WebSocket) -> str:
    return await authenticate(services, websocket_key(websocket))


def persona_repository(
    session: SessionDep, tenant_id: TenantDep, services: ServicesDep
) -> PersonaRepository:
    return PersonaRepository(session, tenant_id, changed=services.turns.personas.forget)


PersonasDep = Annotated[PersonaRepository, Depends(persona_repository)]

PersonaId = Annotated[str, Path(pattern=ID_PATTERN, description="The persona's id.")]
PlayerId = Annotated[str, Path(pattern=ID_PATTERN, description="The game's id for the player.")]


def conversation(tenant_id: TenantDep, persona_id: PersonaId, player_id: PlayerId) -> Conversation:
    return Conversation(tenant_id, persona_id, player_id)


ConversationDep = Annotated[Conversation, Depends(conversation)]


def lore_shelf(session: SessionDep, tenant_id: TenantDep, services: ServicesDep) -> LoreShelf:
    library = LoreLibrary(services.memory.store, services.memory.embedder)
    return LoreShelf(LoreRepository(session, tenant_id), library, tenant_id)


LoreDep = Annotated[LoreShelf, Depends(lore_shelf)]
