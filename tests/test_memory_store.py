"""One contract, run against both memory pool adapters (qdrant-edge, qdrant-client local)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import qdrant_edge as qe
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from core.conversation import Conversation
from memory.decay import run_maintenance
from memory.events import Event, event_id
from memory.store.edge import EdgeMemoryStore
from memory.store.port import E5_DIM, MemoryStore
from memory.store.qdrant import QdrantMemoryStore

DIM = 8
ALICE = Conversation("t1", "innkeeper", "alice")
BOB = Conversation("t1", "innkeeper", "bob")
OTHER_TENANT = Conversation("t2", "innkeeper", "alice")
OTHER_PERSONA = Conversation("t1", "smith", "alice")


def unit(*hot: int) -> list[float]:
    """A normalised vector with weight on the given axes."""
    raw = [1.0 if i in hot else 0.0 for i in range(DIM)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


def make_event(
    c: Conversation,
    turn: str,
    kind: str = "health",
    summary: str = "x",
    subject: str = "s",
    at: datetime | None = None,
) -> Event:
    return Event(
        id=event_id(c.tenant_id, c.persona_id, c.player_id, turn, 0),
        tenant_id=c.tenant_id,
        persona_id=c.persona_id,
        player_id=c.player_id,
        type=kind,
        subject=subject,
        summary=summary,
        source_turns=[turn],
        created_at=at or datetime.now(UTC),
    )


@pytest.fixture(params=["edge", "qdrant-local"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MemoryStore]:
    adapter: MemoryStore
    if request.param == "edge":
        adapter = EdgeMemoryStore(tmp_path / "shard", DIM)
    else:
        adapter = await QdrantMemoryStore.connect(":memory:", "events", DIM)
    yield adapter
    await adapter.close()


async def test_upsert_then_get_and_list(store: MemoryStore) -> None:
    stomach = make_event(ALICE, "t1", summary="I have a sensitive stomach", subject="stomach")
    await store.upsert([stomach], [unit(0)])

    assert await store.get(ALICE, stomach.id) == stomach
    assert [e.id for e in await store.list_events(ALICE)] == [stomach.id]


async def test_a_players_current_events_come_with_their_stored_vectors(
    store: MemoryStore,
) -> None:
    old = make_event(ALICE, "t1", summary="I live in Chengdu", at=datetime(2026, 1, 1, tzinfo=UTC))
    new = make_event(ALICE, "t2", summary="I moved to Berlin", at=datetime(2026, 2, 1, tzinfo=UTC))
    other = make_event(BOB, "t3", summary="I'm Bob")
    await store.upsert([old, new, other], [unit(0), unit(1, 2), unit(3)])
    await store.patch(ALICE, old.id, {"valid_to": datetime.now(UTC), "superseded_by": new.id})

    [(event, vector)] = await store.list_with_vectors(ALICE)

    assert event == new
    assert vector == pytest.approx(unit(1, 2))


async def test_upserting_the_same_id_twice_keeps_one(store: MemoryStore) -> None:
    event = make_event(ALICE, "t1")
    await store.upsert([event], [unit(0)])
    await store.upsert([event.model_copy(update={"importance": 9})], [unit(0)])

    [only] = await store.list_events(ALICE)
    assert only.importance == 9


async def test_search_ranks_by_cosine_and_stays_in_scope(store: MemoryStore) -> None:
    near = make_event(ALICE, "t1", summary="near")
    far = make_event(ALICE, "t2", summary="far")
    bobs = make_event(BOB, "t1", summary="bob's")
    others = [make_event(c, "t1", summary="other") for c in (OTHER_TENANT, OTHER_PERSONA)]
    await store.upsert([near, far, bobs, *others], [unit(0), unit(3), unit(0), unit(0), unit(0)])

    found = await store.search(ALICE, unit(0, 1), k=10)

    assert [s.event.summary for s in found] == ["near", "far"]
    assert found[0].score == pytest.approx(math.sqrt(0.5), abs=1e-3)


async def test_search_can_return_the_stored_vectors(store: MemoryStore) -> None:
    await store.upsert([make_event(ALICE, "t1")], [unit(2)])
    [hit] = await store.search(ALICE, unit(2), 1, with_vectors=True)
    assert hit.vector == pytest.approx(unit(2))
    [plain] = await store.search(ALICE, unit(2), 1)
    assert plain.vector is None


def e5_unit(*hot: int) -> list[float]:
    raw = [1.0 if i in hot else 0.0 for i in range(E5_DIM)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


async def test_the_e5_vector_written_with_a_note_comes_back_with_every_hit(
    store: MemoryStore,
) -> None:
    # Recall's judge reads it: stored once at write time, never embedded again per query.
    with_e5 = make_event(ALICE, "t1", summary="stomach aches after spicy food")
    without = make_event(ALICE, "t2", summary="sister visits next week")
    await store.upsert([with_e5], [unit(0)], [e5_unit(3, 7)])
    await store.upsert([without], [unit(1)])

    dense = {h.event.id: h for h in await store.search(ALICE, unit(0), 5, with_vectors=True)}
    [keyword] = await store.keyword_search(ALICE, "spicy", 5)

    assert dense[with_e5.id].e5 == pytest.approx(e5_unit(3, 7))
    assert dense[with_e5.id].vector == pytest.approx(unit(0))
    assert keyword.e5 == pytest.approx(e5_unit(3, 7))
    assert dense[without.id].e5 is None
    assert dense[without.id].vector == pytest.approx(unit(1))
    [plain] = await store.search(ALICE, unit(0), 1)
    assert plain.e5 is None


async def test_search_can_rank_by_the_stored_e5_vectors(store: MemoryStore) -> None:
    # events:search reads the question in e5 too: the notes' e5 vectors, not the default ones.
    first = make_event(ALICE, "t1", summary="first")
    second = make_event(ALICE, "t2", summary="second")
    bobs = make_event(BOB, "t1", summary="bob's")
    await store.upsert(
        [first, second, bobs], [unit(0), unit(1), unit(1)], [e5_unit(5), e5_unit(9), e5_unit(9)]
    )

    by_e5 = await store.search(ALICE, e5_unit(9), 5, e5=True)
    by_default = await store.search(ALICE, unit(0), 5)

    assert [h.event.summary for h in by_e5] == ["second", "first"]
    assert by_e5[0].score == pytest.approx(1.0, abs=1e-3)
    assert [h.event.summary for h in by_default] == ["first", "second"]


async def test_an_edge_shard_made_before_e5_was_stored_keeps_working(tmp_path: Path) -> None:
    shard = qe.EdgeShard.create(
        str(tmp_path / "old"),
        qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=DIM, distance=qe.Distance.Cosine)),
    )
    shard.close()
    store = EdgeMemoryStore(tmp_path / "old", DIM)
    event = make_event(ALICE, "t1", summary="spicy food")
    await store.upsert([event], [unit(0)], [e5_unit(1)])  # the e5 vector has nowhere to go

    [hit] = await store.search(ALICE, unit(0), 1, with_vectors=True)
    assert not store.stores_e5
    assert (hit.event, hit.e5) == (event, None)
    assert hit.vector == pytest.approx(unit(0))
    await store.close()


async def test_a_qdrant_collection_made_before_e5_was_stored_keeps_working() -> None:
    client = AsyncQdrantClient(location=":memory:")
    await client.create_collection(
        "old", vectors_config=qm.VectorParams(size=DIM, distance=qm.Distance.COSINE)
    )
    store = QdrantMemoryStore(client, "old", DIM, server=False)
    await store._ensure_collection(client)
    event = make_event(ALICE, "t1", summary="spicy food")
    await store.upsert([event], [unit(0)], [e5_unit(1)])

    [hit] = await store.search(ALICE, unit(0), 1, with_vectors=True)
    assert not store.stores_e5
    assert (hit.event, hit.e5) == (event, None)
    assert hit.vector == pytest.approx(unit(0))
    await store.close()


async def test_search_can_widen_to_a_worlds_personas(store: MemoryStore) -> None:
    mine, smiths, strangers = (
        make_event(c, "t1", summary=c.persona_id) for c in (ALICE, OTHER_PERSONA, OTHER_TENANT)
    )
    await store.upsert([mine, smiths, strangers], [unit(0), unit(0), unit(0)])

    own = await store.search(ALICE, unit(0), 5)
    world = await store.search(ALICE, unit(0), 5, personas=["innkeeper", "smith"])

    assert [s.event.summary for s in own] == ["innkeeper"]
    assert sorted(s.event.summary for s in world) == ["innkeeper", "smith"]  # never t2's


async def test_keyword_search_finds_shared_words_in_scope_only(store: MemoryStore) -> None:
    sister = make_event(ALICE, "t1", "relationship", "my sister Mia visits next week", "mia")
    stomach = make_event(ALICE, "t2", summary="I have a sensitive stomach", subject="stomach")
    bob = make_event(BOB, "t1", "relationship", "Mia is my daughter", "mia")
    other = make_event(OTHER_TENANT, "t1", "relationship", "Mia lent me a horse", "mia")
    await store.upsert([sister, stomach, bob, other], [unit(0), unit(1), unit(0), unit(0)])

    hits = await store.keyword_search(ALICE, "Mia is coming over tonight!", 5)

    assert [h.event.id for h in hits] == [sister.id]
    assert hits[0].score > 0 and hits[0].vector is not None
    assert await store.keyword_search(ALICE, "hotpot tonight", 5) == []


async def test_keyword_search_skips_superseded_facts(store: MemoryStore) -> None:
    old = make_event(ALICE, "t1", "identity", "I live in Chengdu", "home")
    await store.upsert([old], [unit(0)])
    await store.patch(ALICE, old.id, {"valid_to": datetime.now(UTC), "superseded_by": "x"})

    assert await store.keyword_search(ALICE, "Chengdu food", 5) == []


async def test_type_filter(store: MemoryStore) -> None:
    await store.upsert(
        [make_event(ALICE, "t1", kind="health"), make_event(ALICE, "t2", kind="plan")],
        [unit(0), unit(0)],
    )
    assert [e.type for e in await store.list_events(ALICE, types=["plan"])] == ["plan"]
    assert [s.event.type for s in await store.search(ALICE, unit(0), 5, types=["health"])] == [
        "health"
    ]


async def test_superseded_events_are_hidden_unless_asked_for(store: MemoryStore) -> None:
    chengdu = make_event(ALICE, "t1", kind="identity", summary="I live in Chengdu", subject="home")
    berlin = make_event(ALICE, "t2", kind="identity", summary="I moved to Berlin", subject="home")
    await store.upsert([chengdu, berlin], [unit(0), unit(1)])
    ended = datetime(2026, 11, 25, tzinfo=UTC)

    await store.patch(ALICE, chengdu.id, {"valid_to": ended, "superseded_by": berlin.id})

    assert [e.summary for e in await store.list_events(ALICE)] == ["I moved to Berlin"]
    assert [s.event.summary for s in await store.search(ALICE, unit(0), 5)] == ["I moved to Berlin"]
    everything = {e.id: e for e in await store.list_events(ALICE, include_superseded=True)}
    assert everything[chengdu.id].valid_to == ended
    assert everything[chengdu.id].superseded_by == berlin.id


async def test_another_scope_cannot_read_patch_or_delete(store: MemoryStore) -> None:
    event = make_event(ALICE, "t1")
    await store.upsert([event], [unit(0)])

    assert await store.get(OTHER_TENANT, event.id) is None
    assert await store.delete(OTHER_TENANT, event.id) is False
    await store.patch(OTHER_TENANT, event.id, {"importance": 1})
    assert (await store.get(ALICE, event.id)).importance == event.importance  # type: ignore[union-attr]


async def test_delete_one(store: MemoryStore) -> None:
    keep, drop = make_event(ALICE, "t1"), make_event(ALICE, "t2")
    await store.upsert([keep, drop], [unit(0), unit(1)])

    assert await store.delete(ALICE, drop.id) is True
    assert [e.id for e in await store.list_events(ALICE)] == [keep.id]
    assert await store.delete(ALICE, drop.id) is False


async def test_erase_player_takes_every_persona_of_one_tenant_only(store: MemoryStore) -> None:
    events = [make_event(c, "t1") for c in (ALICE, OTHER_PERSONA, OTHER_TENANT, BOB)]
    await store.upsert(events, [unit(0)] * 4)

    assert await store.erase_player("t1", "alice") == 2

    assert await store.list_events(ALICE) == [] and await store.list_events(OTHER_PERSONA) == []
    assert (
        len(await store.list_events(OTHER_TENANT)) == 1 and len(await store.list_events(BOB)) == 1
    )


async def test_list_is_oldest_first(store: MemoryStore) -> None:
    older = make_event(ALICE, "t9", summary="older", at=datetime(2026, 1, 1, tzinfo=UTC))
    newer = make_event(ALICE, "t1", summary="newer", at=datetime(2026, 6, 1, tzinfo=UTC))
    await store.upsert([newer, older], [unit(0), unit(1)])
    assert [e.summary for e in await store.list_events(ALICE)] == ["older", "newer"]


async def test_edge_shard_survives_reopening(tmp_path: Path) -> None:
    store = EdgeMemoryStore(tmp_path / "shard", DIM)
    event = make_event(ALICE, "t1")
    await store.upsert([event], [unit(0)])
    await store.close()

    reopened = EdgeMemoryStore(tmp_path / "shard", DIM)
    assert await reopened.get(ALICE, event.id) == event
    await reopened.close()


async def test_scan_current_pages_through_every_tenant(store: MemoryStore) -> None:
    events = [make_event(c, f"t{i}") for i, c in enumerate([ALICE, BOB, OTHER_TENANT] * 3)]
    await store.upsert(events, [unit(i % DIM) for i in range(len(events))])
    superseded = events[0]
    await store.patch(ALICE, superseded.id, {"valid_to": datetime.now(UTC), "superseded_by": "x"})

    seen: list[str] = []
    offset = None
    while True:
        page, offset = await store.scan_current(offset, limit=2)
        seen.extend(e.id for e in page)
        if offset is None:
            break
    assert sorted(seen) == sorted(e.id for e in events[1:])


async def test_maintenance_expires_past_plans_and_decays_by_type(store: MemoryStore) -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    week_ago = datetime(2026, 11, 18, tzinfo=UTC)
    plan = make_event(ALICE, "t1", kind="plan", summary="Mia visits on Friday").model_copy(
        update={"expires_at": datetime(2026, 11, 21, tzinfo=UTC), "valid_from": week_ago}
    )
    health = make_event(ALICE, "t2", kind="health").model_copy(
        update={"importance": 8, "valid_from": datetime(2024, 1, 1, tzinfo=UTC)}
    )
    emotion = make_event(ALICE, "t3", kind="emotion").model_copy(
        update={"importance": 6, "valid_from": week_ago}
    )
    await store.upsert([plan, health, emotion], [unit(0), unit(1), unit(2)])

    report = await run_maintenance(store, now)

    assert (report.expired, report.scanned) == (1, 3)
    current = {e.type: e for e in await store.list_events(ALICE)}
    assert set(current) == {"health", "emotion"}
    assert current["health"].weight == 8.0  # health never fades
    assert current["emotion"].weight == pytest.approx(3.0, abs=0.01)  # one 7-day half-life
    [expired] = [
        e for e in await store.list_events(ALICE, include_superseded=True) if e.type == "plan"
    ]
    assert expired.valid_to == plan.expires_at and expired.superseded_by is None
