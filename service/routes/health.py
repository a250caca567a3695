"""Liveness and readiness. Readiness names each dependency and its state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from service.deps import ServicesDep

router = APIRouter(tags=["health"])

State = Literal["ok", "down"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Dependency(BaseModel):
    state: State
    detail: str | None = None


class Readiness(BaseModel):
    ready: bool
    dependencies: dict[str, Dependency]


@router.get("/healthz", response_model=Liveness, summary="The process is alive")
async def healthz() -> Liveness:
    return Liveness()


async def _check(probe: Awaitable[object], timeout_s: float = 2.0) -> Dependency:
    try:
        await asyncio.wait_for(probe, timeout_s)
    except Exception as exc:
        return Dependency(state="down", detail=type(exc).__name__)
    return Dependency(state="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Every dependency answers",
    responses={503: {"model": Readiness, "description": "a dependency is down"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    async def sql() -> None:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    redis, sql_state, llm, memory = await asyncio.gather(
        _check(services.redis.ping()),
        _check(sql()),
        _check(services.model.ping(), timeout_s=5.0),
        _check(services.memory.store.ping()),
    )
    dependencies = {"redis": redis, "sql": sql_state, "llm": llm, "memory": memory}
    ready = all(d.state != "down" for d in dependencies.values())
    body = Readiness(ready=ready, dependencies=dependencies)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)
