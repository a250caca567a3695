"""Resolution against the pool, over a real edge shard and the real MiniLM embedder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from memory.embedding import shared_minilm
from memory.extraction.extractor import Candidate
from memory.extraction.resolver import Resolver
from memory.features import NoteEmbedder
from memory.hierarchy import PROFILE, Hierarchy
from memory.log import Conversation
from memory.store.edge import EdgeMemoryStore

ALICE = Conversation("t1", "innkeeper", "alice")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EdgeMemoryStore]:
    store = EdgeMemoryStore(tmp_path / "shard", shared_minilm().dim)
    yield store
    await store.close()


def said(kind: str, summary: str) -> Candidate:
    return Candidate(type=kind, subject=summary.lower(), summary=summary)


async def test_a_fact_said_again_merges_whatever_type_it_is_read_as(
    store: EdgeMemoryStore,
) -> None:
    resolver = Resolver(store, NoteEmbedder(shared_minilm(), None))
    hierarchy = Hierarchy(store, NoteEmbedder(shared_minilm(), None))
    line = "Spicy food wrecks my stomach for days"
    [first] = await resolver.apply(ALICE, "turn-1", [said("health", line)], NOW)
    # A profile listing that one fact now sits as near the line as the fact itself.
    await hierarchy.refresh(ALICE, NOW, [first.event.id])

    [again] = await resolver.apply(ALICE, "turn-2", [said("emotion", line)], NOW)

    assert again.action == "duplicate" and again.event.id == first.event.id
    [kept] = [e for e in await store.list_events(ALICE) if e.type != PROFILE]
    assert kept.type == "health" and kept.source_turns == ["turn-1", "turn-2"]
