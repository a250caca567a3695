"""World lore through the API: uploaded, chunked into the pool, recalled at turns, deleted."""

from __future__ import annotations

from memory.lore import chunk_text
from tests.conftest import Api

VALLEY = (
    "The Valley of Eld is ruled by Lady Maren Ashcombe from the river keep at Stonebridge. "
    "She took the seat after her brother drowned in the flood of the Grey Year.\n\n"
    "Eld trades wool and dark barley ale with the hill clans. The clans pay their tithe in "
    "salt, which the miller Osric weighs at the spring fair.\n\n"
    "No one crosses the Whispering Fen after dusk: travellers say lights there lead the "
    "unwary into the bog."
)


def test_chunks_keep_sentences_whole_and_respect_the_limit() -> None:
    chunks = chunk_text(VALLEY, limit=200)
    assert all(len(c) <= 200 for c in chunks)
    assert "".join(chunks).replace(" ", "") == VALLEY.replace("\n", "").replace(" ", "")
    assert chunk_text("word " * 300, limit=100)[0].endswith("word")


def _upload(api: Api, **body: object) -> dict[str, object]:
    response = api.client.post("/v1/lore", json=body, headers=api.auth)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _recalled(api: Api, text: str, persona: str = "innkeeper") -> list[dict[str, object]]:
    preview = api.client.post(
        f"/v1/personas/{persona}/players/p1/turns:preview", json={"text": text}, headers=api.auth
    )
    assert preview.status_code == 200, preview.text
    return [r for r in preview.json()["recalled"] if r["type"] == "lore"]  # type: ignore[no-any-return]


def test_a_persona_answers_from_its_lore(api: Api) -> None:
    document = _upload(api, title="The Valley of Eld", text=VALLEY, persona_id="innkeeper")

    recalled = _recalled(api, "Who rules this valley?")
    preview = api.client.post(
        "/v1/personas/innkeeper/players/p1/turns:preview",
        json={"text": "Who rules this valley?"},
        headers=api.auth,
    ).json()

    assert document["chunks"] == 3 and document["chars"] == len(VALLEY)
    assert any("Lady Maren" in str(r["summary"]) for r in recalled)
    assert "What you know of your world" in preview["messages"][0]["content"]
    assert "Lady Maren" in preview["messages"][0]["content"]
    assert _recalled(api, "I'd like a bowl of stew please") == []


def test_world_lore_reaches_every_persona_of_the_world_only(api: Api) -> None:
    for persona in ("smith", "stranger"):
        api.client.post(
            "/v1/personas",
            json={
                "id": persona,
                "name": persona.title(),
                "world_id": "eld" if persona == "smith" else None,
            },
            headers=api.auth,
        )
    _upload(api, title="The Valley of Eld", text=VALLEY, world_id="eld")

    assert _recalled(api, "Who rules this valley?", "smith")
    assert _recalled(api, "Who rules this valley?", "stranger") == []


def test_lore_is_listed_read_and_deleted_within_the_tenant(api: Api) -> None:
    document = _upload(api, title="The Valley of Eld", text=VALLEY, persona_id="innkeeper")
    other = api.other_tenant()

    listed = api.client.get("/v1/lore?persona_id=innkeeper", headers=api.auth).json()["items"]
    read = api.client.get(f"/v1/lore/{document['id']}", headers=api.auth).json()
    foreign = api.client.get(f"/v1/lore/{document['id']}", headers=other)
    foreign_delete = api.client.delete(f"/v1/lore/{document['id']}", headers=other)

    assert [d["id"] for d in listed] == [document["id"]]
    assert read["text"] == VALLEY
    assert foreign.status_code == 404 and foreign.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert foreign_delete.status_code == 404
    assert api.client.get("/v1/lore", headers=other).json()["items"] == []

    assert api.client.delete(f"/v1/lore/{document['id']}", headers=api.auth).status_code == 204
    assert _recalled(api, "Who rules this valley?") == []
    assert api.client.get(f"/v1/lore/{document['id']}", headers=api.auth).status_code == 404


def test_bad_lore_uploads_are_refused_clearly(api: Api) -> None:
    both = {"title": "x", "text": "y", "persona_id": "innkeeper", "world_id": "eld"}
    neither = {"title": "x", "text": "y"}
    too_long = {"title": "x", "text": "y" * 100_001, "persona_id": "innkeeper"}
    ghost = {"title": "x", "text": "y", "persona_id": "nobody"}

    for body, code in ((both, 422), (neither, 422), (too_long, 422), (ghost, 404)):
        response = api.client.post("/v1/lore", json=body, headers=api.auth)
        assert response.status_code == code, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_deleting_a_persona_deletes_its_lore(api: Api) -> None:
    api.client.post("/v1/personas", json={"id": "bard", "name": "Bard"}, headers=api.auth)
    _upload(api, title="The Valley of Eld", text=VALLEY, persona_id="bard")

    assert api.client.delete("/v1/personas/bard", headers=api.auth).status_code == 204
    api.client.post("/v1/personas", json={"id": "bard", "name": "Bard"}, headers=api.auth)

    assert api.client.get("/v1/lore?persona_id=bard", headers=api.auth).json()["items"] == []
    assert _recalled(api, "Who rules this valley?", "bard") == []
