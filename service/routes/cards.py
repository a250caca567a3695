"""SillyTavern Character Card V2 in and out: JSON, or a PNG with the card inside."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from core.errors import InvalidInput
from persona.card import CardError, card_from_png, card_to_png, from_card, to_card
from persona.lore import LoreCreate, LoreDocument
from persona.schemas import Persona
from service.deps import ID_PATTERN, LoreDep, PersonaId, PersonasDep
from service.errors import Problem

router = APIRouter(tags=["personas"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    404: {"model": Problem, "description": "no such persona"},
    409: {"model": Problem, "description": "the persona id is taken"},
    422: {"model": Problem, "description": "not a readable character card"},
}


class Imported(BaseModel):
    persona: Persona
    lore: list[LoreDocument] = Field(
        default_factory=list, description="The card's character book, as lore documents."
    )
    ignored: list[str] = Field(
        default_factory=list,
        description="Card fields not taken over (a card may not replace the system prompt).",
    )


@router.post(
    "/v1/personas:import",
    response_model=Imported,
    status_code=status.HTTP_201_CREATED,
    summary="Create a persona from a Character Card V2 (JSON body, or a PNG with the card)",
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
)
async def import_card(
    request: Request,
    personas: PersonasDep,
    lore: LoreDep,
    id: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="The new persona's id.")
    ] = None,
) -> Imported:
    body = await request.body()  # at most NPC_MAX_CARD_BYTES (service/body_limit.py)
    try:
        imported = from_card(_card(body, request.headers.get("content-type", "")), id)
    except CardError as exc:
        raise InvalidInput(str(exc)) from exc
    persona = await personas.create(imported.persona)
    now = datetime.now(UTC)
    documents = [
        await lore.add(
            LoreCreate(title=entry.title, text=entry.text[:100_000], persona_id=persona.id), now
        )
        for entry in imported.lore
    ]
    return Imported(persona=persona, lore=documents, ignored=imported.ignored)


def _card(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("image/png") or body.startswith(b"\x89PNG"):
        return card_from_png(body)
    try:
        card = json.loads(body)
    except ValueError as exc:
        raise CardError("the body is neither a PNG nor JSON") from exc
    if not isinstance(card, dict):
        raise CardError("the card is not a JSON object")
    return card


@router.get(
    "/v1/personas/{persona_id}/card",
    summary="The persona as a Character Card V2 (JSON)",
    responses=_ERRORS,
)
async def export_card(persona_id: PersonaId, personas: PersonasDep) -> dict[str, Any]:
    return to_card(await personas.get(persona_id))


@router.get(
    "/v1/personas/{persona_id}/card.png",
    summary="The persona as a Character Card V2 inside a PNG",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **_ERRORS},
)
async def export_card_png(persona_id: PersonaId, personas: PersonasDep) -> Response:
    card = to_card(await personas.get(persona_id))
    return Response(content=card_to_png(card), media_type="image/png")
