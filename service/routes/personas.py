"""Persona definitions, per tenant."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from memory.lore import LoreLibrary
from persona.lore import LoreRepository
from persona.schemas import Persona, PersonaCreate, PersonaFields, PersonaList
from service.deps import PersonaId, PersonasDep, ServicesDep, SessionDep, TenantDep
from service.errors import Problem

router = APIRouter(prefix="/v1/personas", tags=["personas"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    422: {"model": Problem, "description": "invalid input"},
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "no such persona"}
}


@router.post(
    "",
    response_model=Persona,
    status_code=status.HTTP_201_CREATED,
    summary="Create a persona",
    responses=_ERRORS | {409: {"model": Problem, "description": "the id is taken"}},
)
async def create_persona(data: PersonaCreate, personas: PersonasDep) -> Persona:
    return await personas.create(data)


@router.get("", response_model=PersonaList, summary="List personas", responses=_ERRORS)
async def list_personas(personas: PersonasDep) -> PersonaList:
    return PersonaList(items=await personas.list())


@router.get(
    "/{persona_id}",
    response_model=Persona,
    summary="Read a persona",
    responses=_ERRORS | _NOT_FOUND,
)
async def get_persona(persona_id: PersonaId, personas: PersonasDep) -> Persona:
    return await personas.get(persona_id)


@router.put(
    "/{persona_id}",
    response_model=Persona,
    summary="Replace a persona",
    responses=_ERRORS | _NOT_FOUND,
)
async def replace_persona(
    persona_id: PersonaId, data: PersonaFields, personas: PersonasDep
) -> Persona:
    return await personas.replace(persona_id, data)


@router.delete(
    "/{persona_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a persona",
    responses=_ERRORS | _NOT_FOUND,
)
async def delete_persona(
    persona_id: PersonaId,
    personas: PersonasDep,
    session: SessionDep,
    tenant_id: TenantDep,
    services: ServicesDep,
) -> Response:
    """The persona and its own lore go; what players told it stays until they are erased."""
    await personas.delete(persona_id)
    lore = LoreRepository(session, tenant_id)
    library = LoreLibrary(services.memory.store, services.memory.embedder)
    for document in await lore.list(persona_id, None):
        await library.remove(tenant_id, persona_id, document.id, document.chunks)
        await lore.delete(await lore.row(document.id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
