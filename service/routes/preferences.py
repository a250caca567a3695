"""What a character has learned of a player's memory preferences, and resetting it."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from memory.preferences.leaning import Leaning
from service.deps import ConversationDep, PersonasDep, ServicesDep
from service.errors import Problem

router = APIRouter(tags=["memory"])
_PATH = "/v1/personas/{persona_id}/players/{player_id}/memory-preferences"
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    404: {"model": Problem, "description": "no such persona"},
}


class MemoryPreferences(BaseModel):
    """The player's leaning: learned from what they said ("forget that", "remember this, it
    matters to me", "that's not true anymore") and how they took memories the character
    brought up. It narrows what the persona's extraction settings keep, never widens them."""

    blocked: list[str] = Field(description="Types this player asked not to be kept.")
    bias: dict[str, float] = Field(
        description="Per type, how much more (above 0) or less (below) readily a fact of it is "
        "kept, in logits of the extractor's type head."
    )
    importance: dict[str, float] = Field(description="Per type, added to a kept fact's importance.")
    signals: int = Field(description="How many signals shaped it; 0: the general model.")

    @classmethod
    def of(cls, leaning: Leaning) -> MemoryPreferences:
        return cls(
            blocked=leaning.blocked,
            bias=leaning.bias,
            importance=leaning.importance,
            signals=leaning.signals,
        )


@router.get(
    _PATH,
    response_model=MemoryPreferences,
    summary="What the character learned of the player's memory preferences",
    responses=_ERRORS,
)
async def get_memory_preferences(
    c: ConversationDep, personas: PersonasDep, services: ServicesDep
) -> MemoryPreferences:
    await personas.get(c.persona_id)
    return MemoryPreferences.of(await services.leanings.get(c))


@router.delete(
    _PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Reset the player's memory preferences to the general model",
    responses=_ERRORS,
)
async def reset_memory_preferences(
    c: ConversationDep, personas: PersonasDep, services: ServicesDep
) -> Response:
    await personas.get(c.persona_id)
    await services.leanings.reset(c)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
