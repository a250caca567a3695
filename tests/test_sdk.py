"""The Python SDK (sdk/python) against the service: the generated REST calls and the hand-made
WebSocket layer, over real HTTP and a real WebSocket to `python -m service` on the session's
vLLM server (e2e), and every error status as its typed exception."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from npc_dialogue import (
    Conflict,
    InvalidInput,
    NotFound,
    RateLimited,
    TurnSocket,
    Unauthorized,
    Unavailable,
    connect,
    ok,
)
from npc_dialogue.errors import raise_for_problem
from npc_dialogue_client import AuthenticatedClient
from npc_dialogue_client.api.lore import add_lore, delete_lore, get_lore, list_lore
from npc_dialogue_client.api.memory import (
    delete_event,
    erase_player,
    list_events,
    search_events,
)
from npc_dialogue_client.api.personas import (
    create_persona,
    export_card,
    get_persona,
    import_card,
    list_personas,
    replace_persona,
)
from npc_dialogue_client.api.turns import get_turns, post_turn
from npc_dialogue_client.models import (
    ImportCardJsonBody,
    LoreCreate,
    PersonaCreate,
    PersonaFields,
    SearchRequest,
    TurnRequest,
)

from tests.conftest import Api, ApiFactory, LiveServer, RedisTarget, SqlTarget

ROOT = Path(__file__).resolve().parents[1]
BLACKSMITH = PersonaCreate(
    name="Brann",
    world="Hollowmere, a river town in a low-magic medieval world.",
    background="Brann has kept the forge by the east gate for thirty years.",
    knowledge="Smithing, weapons and armour, the town's gossip.",
    outside="Machines, computers, the internet, modern science.",
    speaking_style="Short sentences, dry humour.",
)


def test_the_checked_in_sdk_is_what_make_sdk_generates() -> None:
    result = subprocess.run(
        [sys.executable, "sdk/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr or result.stdout


def _sdk_over(api: Api) -> AuthenticatedClient:
    """The SDK on the in-process app (TestClient is an httpx.Client), with connect()'s hook."""
    api.client.event_hooks = {"response": [raise_for_problem]}
    api.client.headers.update(api.auth)
    client = AuthenticatedClient(base_url=str(api.client.base_url), token=api.key)
    return client.set_httpx_client(api.client)


def test_each_error_status_raises_its_typed_exception(api: Api) -> None:
    """The model is down in this app: a turn is 503 with Retry-After."""
    client = _sdk_over(api)
    ok(create_persona.sync(client=client, body=_persona("smith")))

    with pytest.raises(Conflict) as conflict:
        create_persona.sync(client=client, body=_persona("smith"))
    with pytest.raises(NotFound) as missing:
        get_persona.sync("nobody", client=client)
    with pytest.raises(InvalidInput) as invalid:
        post_turn.sync("smith", "p1", client=client, body=TurnRequest(text=""))
    with pytest.raises(Unavailable) as down:
        post_turn.sync("smith", "p1", client=client, body=TurnRequest(text="Hello there"))
    client.get_httpx_client().headers["Authorization"] = "Bearer wrong"
    with pytest.raises(Unauthorized) as unauthorized:
        list_personas.sync(client=client)

    assert (conflict.value.status, conflict.value.code) == (409, "conflict")
    assert missing.value.status == 404 and "nobody" in (missing.value.detail or "")
    assert invalid.value.errors[0]["loc"] == ["body", "text"]
    assert (down.value.code, down.value.retry_after) == ("llm_unavailable", 5.0)
    assert unauthorized.value.status == 401
    for raised in (conflict, missing, invalid, down, unauthorized):
        assert raised.value.request_id


def test_over_the_rate_the_sdk_raises_rate_limited_with_its_wait(
    make_api: ApiFactory, redis_server_target: RedisTarget, sqlite_target: SqlTarget
) -> None:
    api = make_api(
        redis_target=redis_server_target,
        sql_target=sqlite_target,
        llm_base_url="http://127.0.0.1:9/v1",
        rate_limit_per_minute=2,
    )
    client = _sdk_over(api)
    ok(list_personas.sync(client=client))
    ok(list_personas.sync(client=client))

    with pytest.raises(RateLimited) as limited:
        list_personas.sync(client=client)

    assert limited.value.status == 429
    assert limited.value.retry_after is not None and 1 <= limited.value.retry_after <= 60


@pytest.fixture
def live(live_server: LiveServer) -> Iterator[AuthenticatedClient]:
    with connect(live_server.url, live_server.key) as client:
        yield client


def _persona(persona_id: str) -> PersonaCreate:
    body = PersonaCreate.from_dict(BLACKSMITH.to_dict())
    body.id = persona_id
    return body


def _new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.e2e
def test_personas_over_http(live: AuthenticatedClient) -> None:
    persona_id = _new("smith")

    created = ok(create_persona.sync(client=live, body=_persona(persona_id)))
    fields = PersonaFields.from_dict(BLACKSMITH.to_dict() | {"greeting": "Mind the sparks."})
    replaced = ok(replace_persona.sync(persona_id, client=live, body=fields))
    listed = ok(list_personas.sync(client=live))

    assert created.id == persona_id and created.name == "Brann"
    assert replaced.greeting == "Mind the sparks."
    assert persona_id in {p.id for p in listed.items}
    assert ok(get_persona.sync(persona_id, client=live)).greeting == "Mind the sparks."


@pytest.mark.e2e
def test_a_turn_over_http_is_answered_once_per_turn_id(live: AuthenticatedClient) -> None:
    player, turn_id = _new("p"), uuid.uuid4().hex
    body = TurnRequest(text="Evening! Is the forge still hot?", turn_id=turn_id)

    first = ok(post_turn.sync("innkeeper", player, client=live, body=body))
    again = ok(post_turn.sync("innkeeper", player, client=live, body=body))
    log = ok(get_turns.sync("innkeeper", player, client=live))

    assert first.reply and first.turn_id == turn_id and not first.replayed
    assert again.replayed and again.reply == first.reply
    assert [(e.role, e.turn_id) for e in log.items] == [("player", turn_id), ("npc", turn_id)]


@pytest.mark.e2e
def test_the_websocket_streams_tokens_then_the_typed_result(live_server: LiveServer) -> None:
    player = _new("p")

    async def play() -> None:
        async with TurnSocket.open(live_server.url, live_server.key, "innkeeper", player) as ws:
            stream = ws.stream("Good evening! What's on the menu tonight?")
            tokens = [token async for token in stream]
            result = stream.result
            assert len(tokens) > 1
            assert result.turn_id == stream.turn_id and stream.request_id
            if result.reflection.action == "none":  # a passed reply is exactly what streamed
                assert "".join(tokens) == result.reply
            # The retry layer sends the same turn_id: the answer is replayed, not redrawn.
            replayed = await ws.say(
                "Good evening! What's on the menu tonight?", turn_id=result.turn_id
            )
            assert replayed.replayed and replayed.reply == result.reply

    asyncio.run(play())


@pytest.mark.e2e
def test_the_say_retry_rides_out_a_dropped_connection(live_server: LiveServer) -> None:
    player = _new("p")

    async def play() -> None:
        async with TurnSocket.open(live_server.url, live_server.key, "innkeeper", player) as ws:
            connection = await ws.connection()
            await connection.close()  # the game's network blinked
            heard: list[str] = []
            result = await ws.say("Do you have a room for the night?", on_token=heard.append)
            assert result.reply and heard

    asyncio.run(play())


@pytest.mark.e2e
def test_a_websocket_error_frame_raises_its_typed_exception(live_server: LiveServer) -> None:
    async def play() -> None:
        async with TurnSocket.open(live_server.url, live_server.key, "nobody", "p1") as ws:
            with pytest.raises(NotFound):
                await ws.say("Hello?")
        async with TurnSocket.open(live_server.url, "wrong-key", "innkeeper", "p1") as ws:
            with pytest.raises(Unauthorized):
                await ws.say("Hello?", attempts=1)

    asyncio.run(play())


@pytest.mark.e2e
def test_memory_list_search_forget_and_erase(live: AuthenticatedClient) -> None:
    player = _new("p")
    line = "I have a sensitive stomach, spicy food wrecks me for days."
    ok(post_turn.sync("innkeeper", player, client=live, body=TurnRequest(text=line)))

    events = _wait_for_events(live, player)
    found = ok(
        search_events.sync(
            "innkeeper", player, client=live, body=SearchRequest(query="what can't I eat?", k=3)
        )
    )
    assert events[0].type_ == "health" and "stomach" in events[0].summary
    assert found.items[0].event.id == events[0].id

    delete_event.sync_detailed("innkeeper", player, events[0].id, client=live)
    assert ok(list_events.sync("innkeeper", player, client=live)).items == []

    erased = ok(erase_player.sync(player, client=live))
    assert erased.log_keys_deleted >= 1
    assert ok(get_turns.sync("innkeeper", player, client=live)).items == []


def _wait_for_events(client: AuthenticatedClient, player: str) -> list:  # type: ignore[type-arg]
    deadline = time.monotonic() + 90  # the worker extracts beside the turns of other tests
    while time.monotonic() < deadline:
        items = ok(list_events.sync("innkeeper", player, client=client)).items
        if items:
            return items
        time.sleep(0.5)
    raise AssertionError("no event was extracted in 90 s")


@pytest.mark.e2e
def test_lore_documents(live: AuthenticatedClient) -> None:
    title = _new("The Silver Stag")
    text = "The Silver Stag is the inn at the crossroads. Its cellar floods every spring."

    added = ok(
        add_lore.sync(client=live, body=LoreCreate(title=title, text=text, persona_id="innkeeper"))
    )
    listed = ok(list_lore.sync(client=live))
    read = ok(get_lore.sync(added.id, client=live))
    delete_lore.sync_detailed(added.id, client=live)

    assert added.title == title and added.chunks >= 1
    assert added.id in {d.id for d in listed.items}
    assert read.text == text
    with pytest.raises(NotFound):
        get_lore.sync(added.id, client=live)


@pytest.mark.e2e
def test_a_card_exported_imports_as_a_new_persona(live: AuthenticatedClient) -> None:
    source, copy = _new("smith"), _new("smith-copy")
    ok(create_persona.sync(client=live, body=_persona(source)))

    card = ok(export_card.sync(source, client=live))
    imported = ok(
        import_card.sync(client=live, body=ImportCardJsonBody.from_dict(card.to_dict()), id=copy)
    )

    assert imported.persona.id == copy
    assert imported.persona.name == "Brann"
    assert imported.persona.background == BLACKSMITH.background
    with pytest.raises(Conflict):
        import_card.sync(client=live, body=ImportCardJsonBody.from_dict(card.to_dict()), id=copy)
