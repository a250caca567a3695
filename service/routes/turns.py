"""The turn of the contract, and the conversation log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.deps import ConversationDep, PersonasDep, ServicesDep
from service.errors import Problem
from service.schemas import TurnLog, TurnPreview, TurnRequest, TurnResponse

router = APIRouter(prefix="/v1/personas/{persona_id}/players/{player_id}", tags=["turns"])


@router.post(
    "/turns",
    response_model=TurnResponse,
    summary="One player turn: the NPC's reply",
    responses={
        401: {"model": Problem, "description": "missing or invalid API key"},
        404: {"model": Problem, "description": "no such persona"},
        409: {"model": Problem, "description": "this turn_id is being answered right now"},
        422: {"model": Problem, "description": "empty or over-long text"},
        503: {
            "model": Problem,
            "description": "the model or Redis is unreachable (see Retry-After); "
            "the player's line is kept in the log",
        },
    },
)
async def post_turn(
    body: TurnRequest, conversation: ConversationDep, services: ServicesDep
) -> TurnResponse:
    return await services.turns.run(conversation, body)


@router.post(
    "/turns:preview",
    response_model=TurnPreview,
    summary="Everything a turn would decide before generating; nothing logged or generated",
    responses={
        401: {"model": Problem, "description": "missing or invalid API key"},
        404: {"model": Problem, "description": "no such persona"},
        422: {"model": Problem, "description": "empty or over-long text"},
    },
)
async def preview_turn(
    body: TurnRequest, conversation: ConversationDep, services: ServicesDep
) -> TurnPreview:
    return await services.turns.preview(conversation, body)


@router.get(
    "/turns",
    response_model=TurnLog,
    summary="The conversation log, newest last",
    description="Without `after`: the latest `limit` lines. With `after`: the lines after that "
    "entry id, oldest first, for reading the whole log page by page.",
    responses={
        401: {"model": Problem, "description": "missing or invalid API key"},
        404: {"model": Problem, "description": "no such persona"},
    },
)
async def get_turns(
    conversation: ConversationDep,
    services: ServicesDep,
    personas: PersonasDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(pattern=r"^\d+-\d+$")] = None,
) -> TurnLog:
    await personas.get(conversation.persona_id)
    log = services.conversation_log
    if after is None:
        items = await log.recent(conversation, limit)
    else:
        items = await log.read(conversation, limit, after)
    return TurnLog(items=items, next_after=items[-1].id if len(items) == limit else None)
