"""What an operator watches and how one failed call is traced: /metrics, request ids in the
response and in problem+json, JSON log lines that share the request's id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from core.logging import configure_logging
from tests.conftest import Api


def samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_metrics_count_failed_turns_and_read_the_extraction_queue(api: Api) -> None:
    failed = ("npc_turns_total", (("outcome", "llm_unavailable"),))
    lag = ("npc_extraction_lag_seconds_count", ())
    scraped = samples(api)
    before, lag_before = scraped.get(failed, 0.0), scraped.get(lag, 0.0)

    for n in range(2):  # the model is down here: each turn is a 503, its line still queued
        api.client.post(api.turns_url(), json={"text": f"line {n}"}, headers=api.auth)

    assert samples(api)[failed] == before + 2
    # The in-process worker extracts both lines and drops them from the queue.
    deadline = time.monotonic() + 20
    while (after := samples(api))[lag] < lag_before + 2:
        assert time.monotonic() < deadline, "the worker did not extract the lines"
        time.sleep(0.2)
    assert after[("npc_extraction_stream_length", ())] == 0
    assert after[("npc_extraction_pending", ())] == 0


def test_every_response_carries_a_request_id_and_a_problem_names_it(api: Api) -> None:
    response = api.client.post(api.turns_url("nobody"), json={"text": "hi"}, headers=api.auth)

    assert response.status_code == 404
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    assert response.json()["request_id"] == request_id


def test_a_callers_request_id_is_kept_and_a_malformed_one_replaced(api: Api) -> None:
    kept = api.client.get("/healthz", headers={"X-Request-ID": "game-7f3a.turn-12"})
    replaced = api.client.get("/healthz", headers={"X-Request-ID": "no spaces allowed <>"})

    assert kept.headers["x-request-id"] == "game-7f3a.turn-12"
    assert replaced.headers["x-request-id"] != "no spaces allowed <>"


def test_a_websocket_turn_has_its_own_request_id_in_its_frames(api: Api) -> None:
    url = "/v1/personas/innkeeper/players/p1/ws"
    with api.client.websocket_connect(url, headers=api.auth) as ws:
        ws.send_json({"type": "turn", "text": "first"})
        first = ws.receive_json()
        ws.send_json({"type": "turn", "text": "second"})
        second = ws.receive_json()

    assert first["type"] == second["type"] == "error"  # the model is down here
    assert first["request_id"] != second["request_id"]


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging("info", "json")
    yield
    structlog.reset_defaults()


def test_log_lines_are_json_and_share_the_request_id_without_player_text(
    api: Api, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "my sister has a rare illness"
    response = api.client.post(api.turns_url(), json={"text": secret}, headers=api.auth)
    request_id = response.headers["x-request-id"]

    # The worker extracts the queued line in the background, under the same request id.
    out, deadline = "", time.monotonic() + 20
    while '"worker.extracted"' not in out and time.monotonic() < deadline:
        time.sleep(0.2)
        out += capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == request_id]
    # The turn starts, the model is down, the request ends; the worker extracts the line.
    assert {"turn.started", "llm.unavailable", "request", "worker.extracted"} <= {
        line["event"] for line in mine
    }, lines
    assert all(line["level"] and line["timestamp"] for line in mine)
    assert secret not in out
