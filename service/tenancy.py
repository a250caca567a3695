"""Tenants and their API keys. Keys are stored as SHA-256 digests, never in the clear."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TimestampMixin
from core.errors import Conflict, NotFound

KEY_PREFIX = "npc_"


class Tenant(TimestampMixin, Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ApiKey(TimestampMixin, Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # A key carries 256 random bits, so a plain SHA-256 is not brute-forceable; a slow KDF
    # would only add latency to every request.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def tenant_for_key(session: AsyncSession, key: str) -> str | None:
    """The tenant id a presented key belongs to, or None."""
    result = await session.execute(
        select(ApiKey.tenant_id).where(ApiKey.key_hash == hash_api_key(key))
    )
    return result.scalar_one_or_none()


async def ensure_tenant(session: AsyncSession, tenant_id: str, name: str) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=name)
        session.add(tenant)
        await session.flush()
    return tenant


async def register_key(session: AsyncSession, tenant_id: str, key: str, label: str = "") -> None:
    """Store the key's digest for the tenant; a key already registered is left alone."""
    digest = hash_api_key(key)
    existing = await session.execute(select(ApiKey.tenant_id).where(ApiKey.key_hash == digest))
    owner = existing.scalar_one_or_none()
    if owner is None:
        session.add(ApiKey(tenant_id=tenant_id, key_hash=digest, label=label))
        await session.flush()
    elif owner != tenant_id:
        raise ValueError("this API key already belongs to another tenant")


class KeyInfo(BaseModel):
    """What is kept about a key: never the key, which is shown once when made."""

    id: str
    tenant_id: str
    label: str
    created_at: datetime


class NewKey(KeyInfo):
    key: str


async def create_tenant(session: AsyncSession, tenant_id: str, name: str) -> Tenant:
    if await session.get(Tenant, tenant_id) is not None:
        raise Conflict(f"tenant {tenant_id!r} exists")
    tenant = Tenant(id=tenant_id, name=name)
    session.add(tenant)
    await session.flush()
    return tenant


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    return list((await session.execute(select(Tenant).order_by(Tenant.id))).scalars())


async def create_key(session: AsyncSession, tenant_id: str, label: str = "") -> NewKey:
    if await session.get(Tenant, tenant_id) is None:
        raise NotFound(f"tenant {tenant_id!r} does not exist")
    key = new_api_key()
    row = ApiKey(tenant_id=tenant_id, key_hash=hash_api_key(key), label=label)
    session.add(row)
    await session.flush()
    return NewKey(key=key, **_info(row).model_dump())


async def list_keys(session: AsyncSession, tenant_id: str) -> list[KeyInfo]:
    rows = await session.execute(
        select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
    )
    return [_info(row) for row in rows.scalars()]


async def revoke_key(session: AsyncSession, key_id: str) -> KeyInfo:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"key {key_id!r} does not exist")
    await session.delete(row)
    await session.flush()
    return _info(row)


async def rotate_key(session: AsyncSession, key_id: str) -> NewKey:
    """A new key for the same tenant and label; the old one stops working at once."""
    old = await revoke_key(session, key_id)
    return await create_key(session, old.tenant_id, old.label)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(id=row.id, tenant_id=row.tenant_id, label=row.label, created_at=row.created_at)
