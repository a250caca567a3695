"""Erasing a player: everything the service keeps about them in a tenant, in every store."""

from __future__ import annotations

from dataclasses import dataclass

from memory.log import ConversationLog
from memory.preferences.learner import LeaningStore
from memory.store.port import MemoryStore
from persona.relationship import RelationshipStore


@dataclass(frozen=True)
class Erasure:
    events_deleted: int
    log_keys_deleted: int  # conversation logs, turn records, relationship and preference keys


@dataclass
class PlayerEraser:
    conversation_log: ConversationLog
    store: MemoryStore
    relationships: RelationshipStore
    leanings: LeaningStore

    async def erase(self, tenant_id: str, player_id: str) -> Erasure:
        """Every persona's memories of the player, their conversation logs and queued lines,
        how each character regards them and what it learned of their memory preferences.
        Safe to repeat: a second call finds nothing."""
        log_keys = await self.conversation_log.erase_player(tenant_id, player_id)
        events = await self.store.erase_player(tenant_id, player_id)
        log_keys += await self.relationships.erase_player(tenant_id, player_id)
        log_keys += await self.leanings.erase_player(tenant_id, player_id)
        return Erasure(events_deleted=events, log_keys_deleted=log_keys)
