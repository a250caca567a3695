"""World lore: documents for a persona or a world, chunked into the memory pool and recalled
at turns like events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from memory.lore import LoreLibrary, chunk_text, world_owner
from persona.lore import (
    LoreCreate,
    LoreDocument,
    LoreDocumentText,
    LoreList,
    LoreRepository,
    document_of,
)
from service.deps import ID_PATTERN, PersonasDep, ServicesDep, SessionDep, TenantDep
from service.errors import Problem

if TYPE_CHECKING:
    from service.app import Services

router = APIRouter(prefix="/v1/lore", tags=["lore"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    404: {"model": Problem, "description": "no such persona or document"},
    422: {"model": Problem, "description": "invalid input"},
}
DocumentId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The document's id.")]


def lore_repository(session: SessionDep, tenant_id: TenantDep) -> LoreRepository:
    return LoreRepository(session, tenant_id)


LoreDep = Annotated[LoreRepository, Depends(lore_repository)]


@router.post(
    "",
    response_model=LoreDocument,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a lore document for a persona or a world",
    responses=_ERRORS,
)
async def add_lore(
    body: LoreCreate,
    tenant_id: TenantDep,
    lore: LoreDep,
    personas: PersonasDep,
    services: ServicesDep,
) -> LoreDocument:
    if body.persona_id is not None:
        await personas.get(body.persona_id)
    return await store_lore(body, tenant_id, lore, services)


async def store_lore(
    body: LoreCreate, tenant_id: str, lore: LoreRepository, services: Services
) -> LoreDocument:
    """The catalogue row and the chunks in the pool, together or not at all."""
    row = await lore.add(body)
    owner = body.persona_id or world_owner(str(body.world_id))
    library = LoreLibrary(services.memory.store, services.memory.embedder)
    try:
        row.chunks = await library.add(
            tenant_id, owner, row.id, body.title, body.text, datetime.now(UTC)
        )
    except Exception:
        # The row rolls back with the request; chunks already written must not linger.
        await library.remove(tenant_id, owner, row.id, len(chunk_text(body.text)))
        raise
    return document_of(row)


@router.get("", response_model=LoreList, summary="List lore documents", responses=_ERRORS)
async def list_lore(
    lore: LoreDep,
    persona_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    world_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> LoreList:
    return LoreList(items=await lore.list(persona_id, world_id))


@router.get(
    "/{document_id}",
    response_model=LoreDocumentText,
    summary="One lore document, with its text",
    responses=_ERRORS,
)
async def get_lore(document_id: DocumentId, lore: LoreDep) -> LoreDocument:
    return await lore.get(document_id)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a lore document and its chunks",
    responses=_ERRORS,
)
async def delete_lore(
    document_id: DocumentId, tenant_id: TenantDep, lore: LoreDep, services: ServicesDep
) -> Response:
    row = await lore.row(document_id)
    owner = row.persona_id or world_owner(str(row.world_id))
    library = LoreLibrary(services.memory.store, services.memory.embedder)
    await library.remove(tenant_id, owner, row.id, row.chunks)
    await lore.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
