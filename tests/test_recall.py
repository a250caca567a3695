"""Recall at every turn, over a real edge shard and the real MiniLM embedder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.conversation import Conversation
from core.tokens import estimate_tokens
from memory.bearing import BearingJudge, select
from memory.embedding import shared_minilm
from memory.events import Event, event_id
from memory.features import Featurize, shared_featurizer, shared_note_embedder
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from tests.conftest import Api, ApiFactory, RedisTarget, SqlTarget

ALICE = Conversation("t1", "innkeeper", "alice")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fact(n: int, kind: str, summary: str, **extra: object) -> Event:
    return Event(
        id=event_id("t1", "innkeeper", "alice", f"turn-{n}", 0),
        tenant_id="t1",
        persona_id="innkeeper",
        player_id="alice",
        type=kind,
        subject=summary.lower(),
        summary=summary,
        valid_from=NOW - timedelta(days=3),
        created_at=NOW,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EdgeMemoryStore]:
    store = EdgeMemoryStore(tmp_path / "shard", shared_minilm().dim)
    yield store
    await store.close()


async def remember(store: EdgeMemoryStore, *events: Event) -> None:
    vectors = await shared_minilm().embed([e.summary for e in events])
    await store.upsert(list(events), vectors)


async def test_a_similar_memory_comes_back_scored_with_its_signal(store: EdgeMemoryStore) -> None:
    await remember(
        store,
        fact(1, "preference", "I love fishing at the lake"),
        fact(2, "experience", "I lost my job at the mill"),
    )
    recaller = Recaller(store, shared_minilm(), RecallConfig())

    result = await recaller.recall(ALICE, "Want to go fishing tomorrow?", NOW)

    assert [r.event.summary for r in result.items] == ["I love fishing at the lake"]
    assert result.items[0].signal == "dense"
    assert 0 < result.items[0].score <= 1
    assert result.tokens == estimate_tokens("I love fishing at the lake") + 4


async def test_a_shared_rare_word_brings_a_memory_by_the_keyword_signal(
    store: EdgeMemoryStore,
) -> None:
    await remember(
        store,
        fact(1, "relationship", "Thunder, my old horse, went lame last winter"),
        fact(2, "preference", "I love fishing at the lake"),
    )
    # Similarity and standing facts off: only shared words can bring anything.
    config = RecallConfig(min_dense_relevance=2.0, min_standing_relevance=2.0)

    result = await Recaller(store, shared_minilm(), config).recall(
        ALICE, "Will Thunder be ready for the spring race?", NOW
    )

    assert [(r.event.type, r.signal) for r in result.items] == [("relationship", "keyword")]


async def test_superseded_events_never_come_back(store: EdgeMemoryStore) -> None:
    old, new = fact(1, "identity", "I live in Chengdu"), fact(2, "identity", "I moved to Berlin")
    await remember(store, old, new)
    await store.patch(ALICE, old.id, {"valid_to": NOW, "superseded_by": new.id})

    result = await Recaller(store, shared_minilm(), RecallConfig()).recall(
        ALICE, "Where do you live these days? Chengdu?", NOW
    )
    assert "I live in Chengdu" not in [r.event.summary for r in result.items]


async def test_plans_count_as_standing_only_when_due_soon(store: EdgeMemoryStore) -> None:
    soon = fact(1, "plan", "my sister Mia visits", date=date(2026, 11, 27))
    later = fact(2, "plan", "my cousin Leo visits", date=date(2027, 3, 1))
    await remember(store, soon, later)
    # Thresholds off, so only the standing rule decides.
    config = RecallConfig(min_dense_relevance=2.0, min_standing_relevance=-1.0)

    result = await Recaller(store, shared_minilm(), config).recall(
        ALICE, "I need to tidy the spare room", NOW
    )

    assert {r.event.summary: r.signal for r in result.items} == {"my sister Mia visits": "standing"}


async def test_the_token_budget_cuts_the_list(store: EdgeMemoryStore) -> None:
    await remember(
        store, *[fact(i, "preference", f"I love fishing trip number {i}") for i in range(8)]
    )
    result = await Recaller(store, shared_minilm(), RecallConfig(budget_tokens=30)).recall(
        ALICE, "fishing!", NOW
    )
    assert 0 < len(result.items) < 8
    assert result.tokens <= 30


async def test_a_note_stored_twice_is_recalled_once(store: EdgeMemoryStore) -> None:
    # Written before one fact became one event: the same words under two types.
    line = "My little brother Tomas is getting married next month"
    await remember(store, fact(1, "relationship", line), fact(2, "plan", line))

    result = await Recaller(store, shared_minilm(), RecallConfig()).recall(
        ALICE, "How's Tomas doing with the wedding?", NOW
    )

    assert [r.event.summary for r in result.items] == [line]


@pytest.mark.parametrize("recall_profile", [False, True])
def test_the_profile_joins_a_first_line_only_when_asked_to(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    closed_port_url: str,
    recall_profile: bool,
) -> None:
    api = make_api(
        redis_target=redis_server_target,
        sql_target=sqlite_target,
        llm_base_url=closed_port_url,
        recall_profile=recall_profile,
    )
    base = "/v1/personas/innkeeper/players/p1"
    for kind, summary in [("identity", "I am a carpenter"), ("preference", "I collect stones")]:
        api.client.post(f"{base}/events", json={"type": kind, "summary": summary}, headers=api.auth)

    preview = api.client.post(
        f"{base}/turns:preview", json={"text": "Is the road north safe?"}, headers=api.auth
    ).json()

    # A profile dump carries facts that bear on nothing the player says into the prompt.
    assert ("profile" in [r["type"] for r in preview["recalled"]]) == recall_profile


def test_preview_shows_the_prompt_with_quoted_memories_and_logs_nothing(api: Api) -> None:
    base = "/v1/personas/innkeeper/players/p1"
    api.client.post(
        f"{base}/events",
        headers=api.auth,
        json={"type": "preference", "summary": "I love fishing at the lake"},
    )

    preview = api.client.post(
        f"{base}/turns:preview", json={"text": "Fancy some fishing?"}, headers=api.auth
    )

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [r["summary"] for r in body["recalled"]] == ["I love fishing at the lake"]
    assert '"I love fishing at the lake"' in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "user", "content": "Fancy some fishing?"}
    assert body["prompt_tokens"] > body["memory_tokens"] > 0
    assert body["refused"] is False
    assert api.client.get(f"{base}/turns", headers=api.auth).json()["items"] == []


def test_preview_validates_like_a_turn(api: Api) -> None:
    base = "/v1/personas/innkeeper/players/p1"
    assert (
        api.client.post(f"{base}/turns:preview", json={"text": " "}, headers=api.auth).status_code
        == 422
    )
    assert (
        api.client.post(
            "/v1/personas/nobody/players/p1/turns:preview", json={"text": "hi"}, headers=api.auth
        ).status_code
        == 404
    )


UNRELATED = [
    ("preference", "I love sailing"),
    ("relationship", "My sister Mia is a nurse"),
    ("identity", "I work as a carpenter"),
    ("experience", "I failed my driving test"),
    ("preference", "My favourite colour is green"),
    ("relationship", "My dog is called Pepper"),
    ("experience", "I visited the capital last spring"),
    ("identity", "I am 27 years old"),
    ("emotion", "I'm excited about the harvest festival"),
    ("preference", "I collect stones"),
    ("identity", "I grew up in a fishing village"),
    ("preference", "I like reading old maps"),
    ("commitment", "I promised to fix the fence"),
    ("experience", "I won a chess game"),
    ("preference", "I enjoy long walks at dawn"),
    ("relationship", "My best friend moved away"),
    ("experience", "I saw a comet last week"),
    ("identity", "I speak three languages"),
    ("plan", "I'd like to visit the mountains someday"),
    ("preference", "I like the rain"),
]


def test_hotpot_brings_back_the_sensitive_stomach_among_twenty_other_facts(api: Api) -> None:
    base = "/v1/personas/innkeeper/players/p1"
    for kind, summary in [("health", "I have a sensitive stomach"), *UNRELATED]:
        api.client.post(f"{base}/events", json={"type": kind, "summary": summary}, headers=api.auth)

    preview = api.client.post(
        f"{base}/turns:preview", json={"text": "I really want hotpot tonight!"}, headers=api.auth
    )

    # The first line of a conversation also brings the player's profile; facts follow it.
    recalled = [r for r in preview.json()["recalled"] if r["type"] != "profile"]
    assert recalled[0]["summary"] == "I have a sensitive stomach"
    assert recalled[0]["signal"] == "bearing"  # no similarity brought it: the judge did
    assert recalled[0]["relevance"] < 0.35
    assert '"I have a sensitive stomach"' in preview.json()["messages"][0]["content"]


def test_the_judge_keeps_at_most_cap_within_margin_of_the_best() -> None:
    p = np.array([0.9, 0.2, 0.85, 0.75, 0.6], dtype=np.float32)
    assert select(p, threshold=0.5, cap=2, margin=0.2) == [0, 2]
    assert select(p, threshold=0.5, cap=5, margin=0.2) == [0, 2, 3]
    assert select(p, threshold=0.95, cap=5, margin=1.0) == []
    assert select(np.zeros(0, dtype=np.float32), 0.5, 2, 0.2) == []


def _persona(api: Api, persona_id: str, **fields: object) -> None:
    body = {"id": persona_id, "name": persona_id.title(), **fields}
    assert api.client.post("/v1/personas", json=body, headers=api.auth).status_code == 201


def test_word_travels_between_personas_of_one_world_only_when_they_share(api: Api) -> None:
    village = {"world_id": "thornwick", "memory_scope": "world"}
    _persona(api, "baker", **village)
    _persona(api, "smith", **village)
    _persona(api, "hermit", world_id="thornwick")  # same world, keeps to itself
    api.client.post(
        "/v1/personas/baker/players/p1/events",
        headers=api.auth,
        json={"type": "preference", "summary": "I love fishing at the lake"},
    )

    def recalled(persona: str) -> list[str]:
        preview = api.client.post(
            f"/v1/personas/{persona}/players/p1/turns:preview",
            json={"text": "Fancy some fishing?"},
            headers=api.auth,
        )
        return [r["summary"] for r in preview.json()["recalled"]]

    assert recalled("smith") == ["I love fishing at the lake"]
    assert recalled("hermit") == []
    assert recalled("innkeeper") == []  # the default scope: its own memories only
    assert api.client.get("/v1/personas/smith", headers=api.auth).json()["memory_scope"] == "world"


async def test_a_turn_never_recalls_its_own_line(store: EdgeMemoryStore) -> None:
    # The worker may store the line's event before the turn recalls.
    own = fact(1, "health", "Ugh, my stomach hurts after that stew", source_turns=["now"])
    earlier = fact(2, "health", "I have a sensitive stomach")
    await remember(store, own, earlier)
    recaller = Recaller(store, shared_minilm(), RecallConfig())

    result = await recaller.recall(
        ALICE, "Ugh, my stomach hurts after that stew", NOW, turn_id="now"
    )

    assert [r.event.summary for r in result.items] == ["I have a sensitive stomach"]


class Recording:
    """The real featurizer, noting every text it is asked to read."""

    def __init__(self, inner: Featurize) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def english_dim(self) -> int:
        return self.inner.english_dim

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return self.inner(texts)


async def test_the_judge_reads_the_e5_vectors_written_with_the_notes(tmp_path: Path) -> None:
    judge = BearingJudge.load()
    assert judge is not None and judge.reads_e5
    facts = [
        fact(1, "health", "Has a sensitive stomach; spicy food upsets it"),
        fact(2, "relationship", "My sister Mia lives by the river"),
        fact(3, "preference", "Loves the autumn fair"),
        fact(4, "identity", "Works as a carpenter's apprentice"),
    ]
    embedded = await shared_note_embedder()([e.summary for e in facts])
    line = "I really want hotpot tonight!"
    chosen = []
    for name, e5 in (("written", embedded.e5), ("before e5", None)):
        store = EdgeMemoryStore(tmp_path / name, shared_minilm().dim)
        await store.upsert(facts, embedded.dense, e5)
        featurize = Recording(shared_featurizer())
        result = await Recaller(store, shared_minilm(), RecallConfig(), judge, featurize).recall(
            ALICE, line, NOW
        )
        await store.close()
        chosen.append([r.event.id for r in result.items])
        if e5 is not None:  # only the line is embedded at query time
            assert featurize.texts == [line]
        else:  # a pool without them: the notes are embedded as they are read
            assert set(featurize.texts) == {line, *(e.summary for e in facts)}
    assert chosen[0] == chosen[1]
    assert facts[0].id in chosen[0]
