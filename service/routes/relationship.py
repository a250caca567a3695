"""How a persona and a player stand: affinity and the player's recent mood."""

from __future__ import annotations

from fastapi import APIRouter

from persona.relationship import Relationship
from service.deps import ConversationDep, PersonasDep, ServicesDep
from service.errors import Problem

router = APIRouter(tags=["relationship"])


@router.get(
    "/v1/personas/{persona_id}/players/{player_id}/relationship",
    response_model=Relationship,
    summary="Affinity and mood between a persona and a player",
    responses={
        401: {"model": Problem, "description": "missing or invalid API key"},
        404: {"model": Problem, "description": "no such persona"},
    },
)
async def get_relationship(
    c: ConversationDep, personas: PersonasDep, services: ServicesDep
) -> Relationship:
    await personas.get(c.persona_id)
    return await services.relationships.get(c)
