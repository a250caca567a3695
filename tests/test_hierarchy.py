"""The pool's upper levels: profile and reflections, over a real edge shard and real MiniLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.conversation import Conversation
from memory.embedding import shared_minilm
from memory.events import Event, event_id
from memory.features import NoteEmbedder
from memory.hierarchy import PROFILE, REFLECTION, Hierarchy, profile_id, profile_text
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore

ALICE = Conversation("t1", "innkeeper", "alice")


def _notes() -> NoteEmbedder:
    return NoteEmbedder(shared_minilm(), None)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fact(n: int, kind: str, summary: str, importance: int = 5) -> Event:
    return Event(
        id=event_id("t1", "innkeeper", "alice", f"turn-{n}", 0),
        tenant_id="t1",
        persona_id="innkeeper",
        player_id="alice",
        type=kind,
        subject=summary.lower(),
        summary=summary,
        importance=importance,
        valid_from=NOW - timedelta(days=n),
        created_at=NOW - timedelta(days=n),
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EdgeMemoryStore]:
    store = EdgeMemoryStore(tmp_path / "shard", shared_minilm().dim)
    yield store
    await store.close()


async def remember(store: EdgeMemoryStore, *events: Event) -> None:
    await store.upsert(list(events), await shared_minilm().embed([e.summary for e in events]))


def test_profile_groups_by_type_most_important_first_within_the_limit() -> None:
    events = [
        fact(1, "emotion", "I'm tired today"),
        fact(2, "identity", "I am a carpenter", importance=6),
        fact(3, "health", "I have a sensitive stomach", importance=8),
        fact(4, "identity", "I live in Berlin", importance=8),
    ]
    assert profile_text(events, 1000) == (
        "identity: I live in Berlin; I am a carpenter | health: I have a sensitive stomach"
        " | emotion: I'm tired today"
    )
    assert len(profile_text(events, 40)) <= 40


@pytest.mark.parametrize("changes", ["all", "named"])
async def test_profile_follows_the_current_facts(store: EdgeMemoryStore, changes: str) -> None:
    berlin, chengdu = (
        fact(1, "identity", "I live in Berlin"),
        fact(2, "identity", "I live in Chengdu"),
    )
    stomach = fact(3, "health", "I have a sensitive stomach")
    await remember(store, chengdu, stomach)
    hierarchy = Hierarchy(store, _notes())

    await hierarchy.refresh(ALICE, NOW)
    first = await store.get(ALICE, profile_id(ALICE))
    await remember(store, berlin)
    await store.patch(ALICE, chengdu.id, {"valid_to": NOW, "superseded_by": berlin.id})
    # "named": the writer names what it changed, as the worker and the API do.
    await hierarchy.refresh(ALICE, NOW, [berlin.id, chengdu.id] if changes == "named" else None)
    second = await store.get(ALICE, profile_id(ALICE))

    assert first is not None and "Chengdu" in first.summary and first.type == PROFILE
    assert second is not None and "Berlin" in second.summary and "Chengdu" not in second.summary
    assert set(second.sources) == {berlin.id, stomach.id}


async def test_a_reflection_forms_once_a_theme_weighs_enough_and_retires_when_it_cools(
    store: EdgeMemoryStore,
) -> None:
    strain = [
        fact(1, "emotion", "I feel like I'm drowning in work", importance=6),
        fact(2, "experience", "my boss makes me work every night", importance=5),
        fact(3, "health", "I haven't slept properly in weeks", importance=6),
    ]
    await remember(store, fact(4, "preference", "I love hotpot"), *strain)
    hierarchy = Hierarchy(store, _notes())

    await hierarchy.refresh(ALICE, NOW)
    [reflection] = await store.list_events(ALICE, types=[REFLECTION])
    for event in strain[:2]:
        await store.delete(ALICE, event.id)
    await hierarchy.refresh(ALICE, NOW)

    assert reflection.subject == "strain"
    assert reflection.summary == "has been under a lot of strain lately"
    assert set(reflection.sources) == {e.id for e in strain}
    assert await store.list_events(ALICE, types=[REFLECTION]) == []


async def test_writes_one_at_a_time_leave_what_a_full_rebuild_makes(tmp_path: Path) -> None:
    events = [
        fact(1, "emotion", "I feel like I'm drowning in work", importance=6),
        fact(2, "preference", "I love hotpot"),
        fact(3, "experience", "my boss makes me work every night", importance=5),
        fact(4, "relationship", "my sister Mia is a nurse"),
        fact(5, "health", "I haven't slept properly in weeks", importance=6),
        fact(6, "emotion", "I'm so lonely since I moved here", importance=6),
    ]
    one_by_one = EdgeMemoryStore(tmp_path / "a", shared_minilm().dim)
    rebuilt = EdgeMemoryStore(tmp_path / "b", shared_minilm().dim)
    try:
        for event in events:
            await remember(one_by_one, event)
            await Hierarchy(one_by_one, _notes()).refresh(ALICE, NOW, [event.id])
        await remember(rebuilt, *events)
        await Hierarchy(rebuilt, _notes()).refresh(ALICE, NOW)

        def derived(events: list[Event]) -> set[tuple[str, str, tuple[str, ...]]]:
            return {(e.type, e.summary, tuple(e.sources)) for e in events}

        kinds = [PROFILE, REFLECTION]
        made = derived(await one_by_one.list_events(ALICE, types=kinds))
        assert made == derived(await rebuilt.list_events(ALICE, types=kinds))
        assert {kind for kind, _, _ in made} == {PROFILE, REFLECTION}
    finally:
        await one_by_one.close()
        await rebuilt.close()


async def test_a_calm_player_gets_no_reflection(store: EdgeMemoryStore) -> None:
    await remember(
        store,
        fact(1, "preference", "I love hotpot"),
        fact(2, "identity", "I am a carpenter"),
        fact(3, "relationship", "my sister Mia is a nurse"),
        fact(4, "plan", "I want to visit the mountains"),
    )
    await Hierarchy(store, _notes()).refresh(ALICE, NOW)
    assert await store.list_events(ALICE, types=[REFLECTION]) == []


async def test_the_profile_opens_a_conversation_and_stays_out_otherwise(
    store: EdgeMemoryStore,
) -> None:
    await remember(
        store,
        fact(1, "identity", "I am a carpenter"),
        fact(2, "relationship", "my sister Mia is a nurse"),
    )
    await Hierarchy(store, _notes()).refresh(ALICE, NOW)
    recaller = Recaller(store, shared_minilm(), RecallConfig())

    opening = await recaller.recall(ALICE, "Good evening!", NOW, opening=True)
    later = await recaller.recall(ALICE, "Good evening!", NOW)

    assert [r.signal for r in opening.items][:1] == ["profile"]
    assert "carpenter" in opening.items[0].event.summary
    assert "profile" not in [r.signal for r in later.items]
