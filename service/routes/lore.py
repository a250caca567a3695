"""World lore: documents for a persona or a world, chunked into the memory pool and recalled
at turns like events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Response, status

from persona.lore import (
    LoreCreate,
    LoreDocument,
    LoreDocumentText,
    LoreList,
)
from service.deps import ID_PATTERN, LoreDep, PersonasDep
from service.errors import Problem

if TYPE_CHECKING:
    pass

router = APIRouter(prefix="/v1/lore", tags=["lore"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    404: {"model": Problem, "description": "no such persona or document"},
    422: {"model": Problem, "description": "invalid input"},
}
DocumentId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The document's id.")]


@router.post(
    "",
    response_model=LoreDocument,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a lore document for a persona or a world",
    responses=_ERRORS,
)
async def add_lore(body: LoreCreate, lore: LoreDep, personas: PersonasDep) -> LoreDocument:
    if body.persona_id is not None:
        await personas.get(body.persona_id)
    return await lore.add(body, datetime.now(UTC))


@router.get("", response_model=LoreList, summary="List lore documents", responses=_ERRORS)
async def list_lore(
    lore: LoreDep,
    persona_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    world_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> LoreList:
    return LoreList(items=await lore.repository.list(persona_id, world_id))


@router.get(
    "/{document_id}",
    response_model=LoreDocumentText,
    summary="One lore document, with its text",
    responses=_ERRORS,
)
async def get_lore(document_id: DocumentId, lore: LoreDep) -> LoreDocument:
    return await lore.repository.get(document_id)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a lore document and its chunks",
    responses=_ERRORS,
)
async def delete_lore(document_id: DocumentId, lore: LoreDep) -> Response:
    await lore.delete(document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
