"""The playground: static pages at /playground that talk to the public API with a key the
user pastes. In embedded mode the dev key is offered to a browser on this machine, so
`make run` then opening the page is enough."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

PAGES = Path(__file__).resolve().parent.parent / "playground"
router = APIRouter(include_in_schema=False)


class PlaygroundConfig(BaseModel):
    dev_key: str | None = None


def _loopback(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False


@router.get("/playground/config.json")
async def playground_config(request: Request) -> PlaygroundConfig:
    # Only the dev tenant's key, only where the service made one, only to this machine.
    dev_key: str | None = request.app.state.dev_key
    return PlaygroundConfig(dev_key=dev_key if _loopback(request) else None)


def install_playground(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/playground", StaticFiles(directory=PAGES, html=True), name="playground")
