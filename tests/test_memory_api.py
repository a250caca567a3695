"""The memory endpoints, with the in-process worker extracting from real turns.

The model is down in these tests: extraction needs no reply, and a player line is logged
(and queued for extraction) even when the reply fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.conftest import Api
from tests.test_recall import UNRELATED


def say(api: Api, text: str, player: str = "p1", turn_id: str | None = None) -> None:
    body: dict[str, Any] = {"text": text} | ({"turn_id": turn_id} if turn_id else {})
    response = api.client.post(api.turns_url(player=player), json=body, headers=api.auth)
    assert response.status_code == 503  # no model here; the line is logged all the same


def events_url(api: Api, player: str = "p1") -> str:
    return f"/v1/personas/innkeeper/players/{player}/events"


def wait_for(
    api: Api,
    check: Callable[[list[dict[str, Any]]], bool],
    player: str = "p1",
    include_superseded: bool = False,
    timeout_s: float = 15.0,
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        items: list[dict[str, Any]] = api.client.get(
            events_url(api, player),
            headers=api.auth,
            params={"include_superseded": include_superseded, **(params or {})},
        ).json()["items"]
        if check(items) or time.monotonic() > deadline:
            return items
        time.sleep(0.1)


def test_a_health_line_becomes_a_health_event_in_the_players_words(api: Api) -> None:
    say(api, "I have a sensitive stomach, spicy food wrecks me")

    events = wait_for(api, lambda items: any(e["type"] == "health" for e in items))

    health = [e for e in events if e["type"] == "health"]
    assert health, events
    assert "sensitive stomach" in health[0]["summary"]
    assert health[0]["source_turns"] and health[0]["valid_to"] is None


def test_moving_supersedes_the_old_home_and_keeps_it(api: Api) -> None:
    say(api, "I live in Chengdu", turn_id="home-1")
    wait_for(api, lambda items: any("Chengdu" in e["summary"] for e in items))
    say(api, "I just moved to Berlin", turn_id="home-2")

    current = wait_for(api, lambda items: any("Berlin" in e["summary"] for e in items))
    homes = [e for e in current if e["type"] == "identity" and e["subject"] == "home"]
    assert [e["summary"] for e in homes] == ["I just moved to Berlin"]

    everything = wait_for(api, lambda items: True, include_superseded=True)
    chengdu = [e for e in everything if "Chengdu" in e["summary"]]
    assert len(chengdu) == 1, everything  # kept once, never duplicated
    assert chengdu[0]["valid_to"] is not None
    assert chengdu[0]["superseded_by"] == homes[0]["id"]


def test_the_worker_keeps_the_players_profile_in_step(api: Api) -> None:
    say(api, "I live in Chengdu", turn_id="home-1")
    wait_for(api, lambda items: any("Chengdu" in e["summary"] for e in items))
    say(api, "I just moved to Berlin", turn_id="home-2")
    wait_for(api, lambda items: any("Berlin" in e["summary"] for e in items))

    def profile_says_berlin(items: list[dict[str, Any]]) -> bool:
        return any(e["type"] == "profile" and "Berlin" in e["summary"] for e in items)

    profile = wait_for(api, profile_says_berlin, params={"include_derived": True})
    [only] = [e for e in profile if e["type"] == "profile"]
    assert "Berlin" in only["summary"] and "Chengdu" not in only["summary"]
    assert len(only["sources"]) == 1


def test_saying_the_same_thing_again_merges_instead_of_duplicating(api: Api) -> None:
    say(api, "I'm allergic to peanuts", turn_id="a1")
    first = wait_for(api, lambda items: len(items) > 0)
    say(api, "I'm allergic to peanuts", turn_id="a2")
    merged = wait_for(api, lambda items: any(len(e["source_turns"]) == 2 for e in items))

    assert len(merged) == len(first)
    peanut = next(e for e in merged if "peanuts" in e["summary"])
    assert peanut["source_turns"] == ["a1", "a2"]
    assert (
        peanut["importance"]
        == next(e for e in first if "peanuts" in e["summary"])["importance"] + 1
    )


def test_greetings_and_questions_produce_nothing(api: Api) -> None:
    say(api, "Hello there!")
    say(api, "What do you have on the menu tonight?")
    say(api, "I have a dog named Biscuit", turn_id="marker")
    # The marker line is extracted after the first two: once it is in, they were processed.
    events = wait_for(api, lambda items: len(items) > 0)
    assert {e["source_turns"][0] for e in events} == {"marker"}


def test_a_fact_of_two_kinds_is_stored_once_with_its_other_kinds_beside_it(api: Api) -> None:
    # One clause, read as a relationship and a feeling (and a plan) by the heads.
    say(api, "My sister Lena is getting married in spring and I'm so anxious about it")
    say(api, "Do you remember what I told you about my sister?")
    say(api, "I have a dog named Biscuit", turn_id="marker")

    events = wait_for(api, lambda items: any(e["source_turns"] == ["marker"] for e in items))

    wedding = [e for e in events if "Lena" in e["summary"]]
    assert len(wedding) == 1, events
    assert wedding[0]["also"] and wedding[0]["type"] not in wedding[0]["also"]
    assert not any("remember" in e["summary"] for e in events)  # a question keeps nothing


def test_search_finds_the_event_by_meaning(api: Api) -> None:
    say(api, "I have a sensitive stomach, spicy food wrecks me")
    wait_for(api, lambda items: len(items) > 0)

    found = api.client.post(
        events_url(api) + ":search",
        json={"query": "my belly hurts after chili", "k": 3},
        headers=api.auth,
    ).json()["items"]

    assert "stomach" in found[0]["event"]["summary"]
    assert 0 < found[0]["score"] <= 1


def test_search_ranks_as_recall_does_what_bears_without_sharing_words(api: Api) -> None:
    for kind, summary in [("health", "I have a sensitive stomach"), *UNRELATED]:
        api.client.post(events_url(api), json={"type": kind, "summary": summary}, headers=api.auth)

    found = api.client.post(
        events_url(api) + ":search",
        json={"query": "I really want hotpot tonight! The spiciest you have!", "k": 1},
        headers=api.auth,
    ).json()["items"]

    # By similarity alone the harvest festival comes first and the stomach second.
    assert [f["event"]["summary"] for f in found] == ["I have a sensitive stomach"]


def test_write_list_filter_and_delete_a_fact(api: Api) -> None:
    written = api.client.post(
        events_url(api),
        json={"type": "experience", "summary": "finished the harvest quest"},
        headers=api.auth,
    )
    assert written.status_code == 201
    event = written.json()

    assert api.client.get(events_url(api), params={"type": "experience"}, headers=api.auth).json()[
        "items"
    ] == [event]
    assert (
        api.client.get(events_url(api), params={"type": "health"}, headers=api.auth).json()["items"]
        == []
    )

    url = f"{events_url(api)}/{event['id']}"
    assert api.client.delete(url, headers=api.auth).status_code == 204
    assert api.client.delete(url, headers=api.auth).status_code == 404
    assert api.client.get(events_url(api), headers=api.auth).json()["items"] == []
    # An id that cannot be an event's is a problem+json 422, not a 500 from the pool.
    malformed = api.client.delete(f"{events_url(api)}/not-a-uuid", headers=api.auth)
    assert (malformed.status_code, malformed.json()["code"]) == (422, "invalid_input")


def test_writing_an_unknown_type_is_422(api: Api) -> None:
    response = api.client.post(
        events_url(api), json={"type": "horoscope", "summary": "x"}, headers=api.auth
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_extract_preview_writes_nothing(api: Api) -> None:
    preview = api.client.post(
        "/v1/events:extract",
        json={"text": "I can't stand cilantro", "persona_id": "innkeeper"},
        headers=api.auth,
    )
    assert preview.status_code == 200
    assert [e["type"] for e in preview.json()["events"]] == ["preference"]
    assert preview.json()["extractor"] == "classifier"

    empty = api.client.post("/v1/events:extract", json={"text": "hi!"}, headers=api.auth)
    assert empty.json()["events"] == []
    assert api.client.get(events_url(api), headers=api.auth).json()["items"] == []


def test_erasing_a_player_removes_log_and_memory_of_that_player_only(api: Api) -> None:
    say(api, "I have asthma", player="gone")
    say(api, "I have asthma", player="stays")
    wait_for(api, lambda items: len(items) > 0, player="gone")
    wait_for(api, lambda items: len(items) > 0, player="stays")
    other = api.other_tenant()
    # Another tenant erasing the same player id touches nothing of ours.
    assert api.client.delete("/v1/players/gone", headers=other).json()["events_deleted"] == 0

    erased = api.client.delete("/v1/players/gone", headers=api.auth)

    assert erased.status_code == 200
    assert erased.json()["events_deleted"] >= 1
    assert api.client.get(events_url(api, "gone"), headers=api.auth).json()["items"] == []
    assert api.client.get(api.turns_url(player="gone"), headers=api.auth).json()["items"] == []
    assert api.client.get(events_url(api, "stays"), headers=api.auth).json()["items"]
    assert api.client.get(api.turns_url(player="stays"), headers=api.auth).json()["items"]


def test_another_tenant_cannot_read_or_delete_events(api: Api) -> None:
    event = api.client.post(
        events_url(api), json={"type": "health", "summary": "has asthma"}, headers=api.auth
    ).json()
    other = api.other_tenant()

    assert api.client.get(events_url(api), headers=other).status_code == 404  # no such persona
    assert api.client.delete(f"{events_url(api)}/{event['id']}", headers=other).status_code == 404
    assert api.client.get(events_url(api), headers=api.auth).json()["items"] == [event]


HEALER = {
    "id": "healer",
    "name": "Sister Maren",
    "world": "A monastery infirmary in a fantasy kingdom.",
    "extraction": {
        "types": ["health"],
        "custom_types": [
            {"name": "quest_progress", "description": "progress on quests, missions and tasks"}
        ],
    },
}


def test_a_persona_keeps_only_the_types_it_is_configured_for(api: Api) -> None:
    created = api.client.post("/v1/personas", json=HEALER, headers=api.auth)
    assert created.status_code == 201, created.text
    assert created.json()["extraction"]["types"] == ["health"]
    response = api.client.post(
        api.turns_url(persona="healer"),
        json={"text": "I have asthma. My sister Mia visits next week."},
        headers=api.auth,
    )
    assert response.status_code == 503
    url = "/v1/personas/healer/players/p1/events"

    deadline = time.monotonic() + 15
    while not (items := api.client.get(url, headers=api.auth).json()["items"]):
        assert time.monotonic() < deadline, "nothing extracted"
        time.sleep(0.1)
    time.sleep(0.5)  # both sentences come from one entry; let the worker finish it
    items = api.client.get(url, headers=api.auth).json()["items"]
    assert {e["type"] for e in items} == {"health"}


def test_extract_preview_uses_the_personas_custom_types(api: Api) -> None:
    api.client.post("/v1/personas", json=HEALER, headers=api.auth)
    preview = api.client.post(
        "/v1/events:extract",
        json={"text": "I finally cleared the goblin cave quest", "persona_id": "healer"},
        headers=api.auth,
    ).json()
    assert "quest_progress" in {t for e in preview["events"] for t in [e["type"], *e["also"]]}


def test_custom_types_may_not_shadow_built_in_ones(api: Api) -> None:
    body = HEALER | {"extraction": {"custom_types": [{"name": "health", "description": "x y z"}]}}
    response = api.client.post("/v1/personas", json=body, headers=api.auth)
    assert response.status_code == 422
