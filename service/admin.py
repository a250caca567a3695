"""`python -m service.admin`: tenants and their API keys, on the database of NPC_DATABASE_URL.

    python -m service.admin tenant create studio-a --name "Studio A"
    python -m service.admin tenant list
    python -m service.admin key create studio-a --label game-server    # prints the key once
    python -m service.admin key list studio-a
    python -m service.admin key rotate KEY_ID      # a new key; the old one stops at once
    python -m service.admin key revoke KEY_ID

Keys are kept as SHA-256 digests: a key is shown when it is made and never again. Output is
one JSON object per line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import make_engine, make_sessionmaker, migrate
from core.errors import DomainError
from core.settings import Settings
from service import tenancy


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service.admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nouns = parser.add_subparsers(dest="noun", required=True)
    tenant = nouns.add_parser("tenant").add_subparsers(dest="verb", required=True)
    create = tenant.add_parser("create", help="add a tenant")
    create.add_argument("tenant_id")
    create.add_argument("--name", default="")
    tenant.add_parser("list", help="every tenant")
    key = nouns.add_parser("key").add_subparsers(dest="verb", required=True)
    make = key.add_parser("create", help="a new key for a tenant (printed once)")
    make.add_argument("tenant_id")
    make.add_argument("--label", default="")
    listed = key.add_parser("list", help="a tenant's keys (ids and labels, never the keys)")
    listed.add_argument("tenant_id")
    for verb, text in (("rotate", "replace a key"), ("revoke", "stop a key")):
        key.add_parser(verb, help=text).add_argument("key_id")
    return parser


def _command(args: argparse.Namespace) -> Callable[[AsyncSession], Awaitable[Any]]:
    match args.noun, args.verb:
        case "tenant", "create":
            return lambda s: tenancy.create_tenant(s, args.tenant_id, args.name or args.tenant_id)
        case "tenant", "list":
            return tenancy.list_tenants
        case "key", "create":
            return lambda s: tenancy.create_key(s, args.tenant_id, args.label)
        case "key", "list":
            return lambda s: tenancy.list_keys(s, args.tenant_id)
        case "key", "rotate":
            return lambda s: tenancy.rotate_key(s, args.key_id)
        case _:
            return lambda s: tenancy.revoke_key(s, args.key_id)


def _plain(item: Any) -> dict[str, Any]:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    return {"id": item.id, "name": item.name}  # a Tenant row


async def run(settings: Settings, args: argparse.Namespace) -> list[dict[str, Any]]:
    engine = make_engine(settings.resolved_database_url, settings.database_schema)
    try:
        if settings.migrate_on_start:
            await migrate(engine)
        async with make_sessionmaker(engine)() as session, session.begin():
            result = await _command(args)(session)
    finally:
        await engine.dispose()
    return [_plain(item) for item in (result if isinstance(result, list) else [result])]


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        for row in asyncio.run(run(settings, args)):
            print(json.dumps(row))
    except DomainError as exc:
        sys.exit(f"{exc.code}: {exc.detail or exc.title}")


if __name__ == "__main__":
    main()
