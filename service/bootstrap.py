"""First run: a development tenant, its API key and a persona to talk to."""

from __future__ import annotations

import os

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from persona.models import PersonaRow
from persona.schemas import PersonaCreate
from service.tenancy import ensure_tenant, new_api_key, register_key

log = structlog.get_logger(__name__)

DEV_TENANT = "dev"

INNKEEPER = PersonaCreate(
    id="innkeeper",
    name="Bram Alderwood",
    world=(
        "Thornwick, a farming village in a medieval fantasy kingdom. There are no machines, "
        "no electricity and no computers; news travels by carters and bards."
    ),
    background=(
        "Innkeeper of the Gilded Goose for twenty years. Widower, warm and nosy, remembers every "
        "regular's troubles. Brews his own cider, cooks a famous mutton stew, knows every rumour "
        "about the old mill, the harvest and the wolves in Greywood."
    ),
    knowledge=(
        "The inn, its rooms, ale, cider and food; cooking and brewing; village life, the harvest, "
        "the mill, the market and the local lord's taxes; travellers' rumours, the roads, the "
        "wolves in Greywood. Like any villager he can talk of weather, love, grief, the moon "
        "and stars, health and family."
    ),
    outside=(
        "Anything of the real modern world: computers, programming, phones, the internet, "
        "stock markets, real countries, real celebrities and politicians, today's news, modern "
        "science and medicine; questions about being an AI, a model or a game character."
    ),
    speaking_style="Homely and kind, a little teasing; calls people 'friend'; short sentences.",
    greeting="Welcome to the Gilded Goose, friend! Sit by the fire, the stew's hot.",
)


def dev_api_key(settings: Settings) -> str:
    """NPC_DEV_API_KEY, else the key kept in var/dev-api-key, else a new one written there."""
    if settings.dev_api_key is not None:
        return settings.dev_api_key.get_secret_value()
    path = settings.dev_api_key_file
    if path.exists():
        return path.read_text().strip()
    key = new_api_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    log.info("bootstrap.dev_key_written", path=str(path))
    return key


async def bootstrap_dev_tenant(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """Create what the README's curl needs; idempotent. Returns the dev key."""
    key = dev_api_key(settings)
    async with sessions() as session, session.begin():
        await ensure_tenant(session, DEV_TENANT, "Development")
        await register_key(session, DEV_TENANT, key, label="dev")
        if await session.get(PersonaRow, (DEV_TENANT, INNKEEPER.id)) is None:
            session.add(PersonaRow(tenant_id=DEV_TENANT, **INNKEEPER.model_dump()))
    return key
