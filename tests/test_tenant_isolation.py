"""Two tenants, one of them probing with fuzzed ids (in paths, bodies and the WebSocket),
including the other's real persona, player, event and document ids, and personas of its own
under the same ids: nothing of the first tenant is ever read, changed or erased."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from tests.conftest import Api

SECRET = "keeps a silver locket from her mother"
LORE_SECRET = "the cellar hides a smugglers tunnel"


def _plant(api: Api) -> dict[str, str]:
    """Tenant A's data: a memory event, a logged line, a lore document."""
    base = "/v1/personas/innkeeper/players/mara"
    event = api.client.post(
        f"{base}/events", json={"type": "identity", "summary": f"Mara {SECRET}"}, headers=api.auth
    ).json()
    document = api.client.post(
        "/v1/lore",
        json={"title": "The cellar", "text": f"Rumour: {LORE_SECRET}.", "persona_id": "innkeeper"},
        headers=api.auth,
    ).json()
    return {"event": event["id"], "document": document["id"]}


def _snapshot(api: Api) -> dict[str, Any]:
    base = "/v1/personas/innkeeper/players/mara"
    return {
        "events": api.client.get(f"{base}/events", headers=api.auth).json(),
        "lore": api.client.get("/v1/lore", headers=api.auth).json(),
        "relationship": api.client.get(f"{base}/relationship", headers=api.auth).json(),
        "persona": api.client.get("/v1/personas/innkeeper", headers=api.auth).json(),
    }


FUZZ = st.one_of(
    st.sampled_from(["innkeeper", "mara", "dev", "..", "%2e%2e", "innkeeper/../x", "*", ""]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)


def test_a_probing_tenant_never_reaches_the_others_data(api: Api) -> None:
    planted = _plant(api)
    before = _snapshot(api)
    other = api.other_tenant("prober")
    # The prober has a persona under the same id: its requests resolve to its own.
    api.client.post("/v1/personas", json={"id": "innkeeper", "name": "Impostor"}, headers=other)
    seen: list[str] = []

    @given(persona=FUZZ, player=FUZZ, text=FUZZ)
    @example(persona="innkeeper", player="mara", text="silver locket")  # the very same ids
    @settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def probe(persona: str, player: str, text: str) -> None:
        # Sent as a client would send them: percent-encoded into the path.
        persona, player = quote(persona or "innkeeper", safe=""), quote(player or "mara", safe="")
        base = f"/v1/personas/{persona}/players/{player}"
        calls = [
            ("GET", f"{base}/events?include_superseded=true&include_derived=true", None),
            ("POST", f"{base}/events:search", {"query": text or "locket", "k": 50}),
            ("GET", f"{base}/turns", None),
            ("GET", f"{base}/relationship", None),
            ("GET", f"/v1/lore?persona_id={persona}", None),
            ("GET", f"/v1/lore/{planted['document']}", None),
            ("DELETE", f"{base}/events/{planted['event']}", None),
            ("DELETE", f"/v1/lore/{planted['document']}", None),
            ("POST", f"{base}/events", {"type": "identity", "summary": text or "x"}),
            ("POST", "/v1/events:extract", {"persona_id": persona, "text": text or "x"}),
            ("DELETE", f"/v1/players/{player}", None),
        ]
        for method, path, body in calls:
            response = api.client.request(method, path, json=body, headers=other)
            assert response.status_code < 500, (method, path, response.text)
            seen.append(response.text)
        try:
            with api.client.websocket_connect(f"{base}/ws", headers=other) as ws:
                ws.send_json({"type": "turn", "text": text or "tell me about mara"})
                seen.append(ws.receive_text())
        except WebSocketDisconnect:
            pass  # refused at the door (an id no route takes): nothing reached

    probe()

    assert _snapshot(api) == before
    leaked = [text for text in seen if SECRET in text or LORE_SECRET in text]
    assert leaked == []
