"""The player's memory events: list, search, write, forget, erase; and extraction preview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from memory.events import Event, ScoredEvent
from memory.extraction.extractor import Candidate, ExtractionInput, HistoryLine
from memory.facts import EventWrite
from memory.hierarchy import DERIVED_TYPES
from memory.preferences.learner import deleted_by_game
from service.deps import ID_PATTERN, ConversationDep, PersonasDep, PlayerId, ServicesDep, TenantDep
from service.errors import Problem

router = APIRouter(tags=["memory"])
_SCOPED = "/v1/personas/{persona_id}/players/{player_id}"
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "missing or invalid API key"},
    404: {"model": Problem, "description": "no such persona or event"},
    422: {"model": Problem, "description": "invalid input"},
}


class EventList(BaseModel):
    items: list[Event]


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(5, ge=1, le=50)
    include_superseded: bool = False


class SearchResult(BaseModel):
    items: list[ScoredEvent]


class ExtractRequest(BaseModel):
    persona_id: str | None = Field(None, pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=2000)
    history: list[HistoryLine] = Field(default_factory=list, max_length=20)
    at: datetime | None = None


class ExtractResult(BaseModel):
    events: list[Candidate]
    extractor: str


class Erased(BaseModel):
    player_id: str
    events_deleted: int
    log_keys_deleted: int


@router.get(
    f"{_SCOPED}/events",
    response_model=EventList,
    summary="The player's memory events",
    responses=_ERRORS,
)
async def list_events(
    c: ConversationDep,
    services: ServicesDep,
    personas: PersonasDep,
    type: Annotated[str | None, Query(description="Only this type.")] = None,
    include_superseded: bool = False,
    include_derived: Annotated[
        bool, Query(description="Also the player's profile and reflections.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EventList:
    await personas.get(c.persona_id)
    events = await services.memory.store.list_events(
        c, types=[type] if type else None, include_superseded=include_superseded, limit=limit
    )
    if not (type or include_derived):
        events = [e for e in events if e.type not in DERIVED_TYPES]
    return EventList(items=events)


@router.post(
    f"{_SCOPED}/events:search",
    response_model=SearchResult,
    summary="The events that best answer a query, ranked as a turn's recall ranks them",
    description="Dense similarity, shared telling words (BM25) and the bearing judge, fused "
    "by rank; `score` is the fused score (higher is better), not a cosine.",
    responses=_ERRORS,
)
async def search_events(
    body: SearchRequest, c: ConversationDep, services: ServicesDep, personas: PersonasDep
) -> SearchResult:
    await personas.get(c.persona_id)
    found = await services.memory.recaller.search(
        c, body.query, body.k, include_superseded=body.include_superseded
    )
    return SearchResult(items=found)


@router.post(
    f"{_SCOPED}/events",
    response_model=Event,
    status_code=status.HTTP_201_CREATED,
    summary="Write a fact directly",
    responses=_ERRORS,
)
async def write_event(
    body: EventWrite, c: ConversationDep, services: ServicesDep, personas: PersonasDep
) -> Event:
    await personas.get(c.persona_id)
    return await services.memory.facts.write(c, body, datetime.now(UTC))


@router.delete(
    f"{_SCOPED}/events/{{event_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget one event",
    responses=_ERRORS,
)
async def delete_event(
    event_id: Annotated[UUID, Path(description="The event's id (a UUID).")],
    c: ConversationDep,
    services: ServicesDep,
) -> Response:
    event = await services.memory.store.get(c, str(event_id))
    await services.memory.facts.forget(c, str(event_id), datetime.now(UTC))
    if event is not None and services.settings.player_preferences:
        await deleted_by_game(services.leanings, c, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/v1/players/{player_id}",
    response_model=Erased,
    summary="Erase everything about a player in this tenant",
    responses=_ERRORS,
)
async def erase_player(player_id: PlayerId, tenant_id: TenantDep, services: ServicesDep) -> Erased:
    erased = await services.eraser.erase(tenant_id, player_id)
    return Erased(
        player_id=player_id,
        events_deleted=erased.events_deleted,
        log_keys_deleted=erased.log_keys_deleted,
    )


@router.post(
    "/v1/events:extract",
    response_model=ExtractResult,
    summary="What extraction would produce for a line; nothing is written",
    responses=_ERRORS,
)
async def extract_preview(
    body: ExtractRequest, tenant_id: TenantDep, services: ServicesDep, personas: PersonasDep
) -> ExtractResult:
    item = ExtractionInput(text=body.text, history=body.history, at=body.at or datetime.now(UTC))
    if body.persona_id:
        config = (await personas.get(body.persona_id)).extraction
        item.types, item.custom_types = list(config.types), list(config.custom_types)
    extractor = services.memory.extractor
    return ExtractResult(events=await extractor.extract(item), extractor=extractor.name)
