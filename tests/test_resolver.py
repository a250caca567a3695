"""Resolution against the pool, over a real edge shard and the real MiniLM embedder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.conversation import Conversation
from memory.embedding import shared_minilm
from memory.extraction.extractor import Candidate
from memory.extraction.resolver import Resolver
from memory.features import NoteEmbedder, shared_featurizer, shared_note_embedder
from memory.hierarchy import PROFILE, Hierarchy
from memory.store.edge import EdgeMemoryStore
from memory.supersede import SupersedeJudge

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


def judged_resolver(store: EdgeMemoryStore) -> Resolver:
    judge = SupersedeJudge.load()
    assert judge is not None, "the shipped supersede judge (make train-supersede)"
    return Resolver(store, shared_note_embedder(), judge, shared_featurizer())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # No negation word, and no word shared but a name: the negation list it replaced
        # missed both.
        (
            ("relationship", "Engaged to a sailor called Ilse"),
            ("relationship", "Married Ilse in the harbour chapel"),
        ),
        (("identity", "Vive en Sevilla"), ("identity", "Se mudó a Valencia el mes pasado")),
    ],
)
async def test_a_new_fact_ends_the_one_it_makes_untrue_whatever_the_words(
    store: EdgeMemoryStore, old: tuple[str, str], new: tuple[str, str]
) -> None:
    resolver = judged_resolver(store)
    [first] = await resolver.apply(ALICE, "turn-1", [said(*old)], NOW)

    [second] = await resolver.apply(ALICE, "turn-2", [said(*new)], NOW)

    assert second.action == "supersede" and second.replaces == first.event.id
    current = await store.list_events(ALICE)
    assert [e.summary for e in current] == [new[1]]
    [ended] = [e for e in await store.list_events(ALICE, include_superseded=True) if e.valid_to]
    assert ended.summary == old[1] and ended.superseded_by == second.event.id


async def test_a_new_fact_about_the_same_thing_leaves_the_old_one_standing(
    store: EdgeMemoryStore,
) -> None:
    resolver = judged_resolver(store)
    await resolver.apply(
        ALICE, "turn-1", [said("relationship", "Has an old grey mare named Dusk")], NOW
    )

    [second] = await resolver.apply(
        ALICE, "turn-2", [said("experience", "Dusk won the village race last week")], NOW
    )

    assert second.action == "add"
    assert len(await store.list_events(ALICE)) == 2


async def test_a_fact_never_ends_one_of_another_kind(store: EdgeMemoryStore) -> None:
    """The walkthrough once saw "Can't stop crying" end "Sensitive stomach"."""
    resolver = judged_resolver(store)
    await resolver.apply(
        ALICE, "turn-1", [said("health", "Sensitive stomach, spicy food hurts")], NOW
    )

    [second] = await resolver.apply(ALICE, "turn-2", [said("emotion", "Can't stop crying")], NOW)

    assert second.action == "add"
    assert {e.summary for e in await store.list_events(ALICE)} == {
        "Sensitive stomach, spicy food hurts",
        "Can't stop crying",
    }
