"""The key every store is scoped by: a tenant's persona talking with one of its players."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Conversation:
    tenant_id: str
    persona_id: str
    player_id: str
