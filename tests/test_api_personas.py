"""Personas CRUD, auth and tenant scoping, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import Api, ApiFactory, RedisTarget, SqlTarget

SMITH = {
    "id": "smith",
    "name": "Hilda Ironhand",
    "world": "A medieval mountain town.",
    "background": "The town's blacksmith.",
    "speaking_style": "Gruff, few words.",
    "greeting": "What do you need forged?",
}


@pytest.fixture
def crud_api(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sql_target: SqlTarget,
    closed_port_url: str,
) -> Api:
    return make_api(
        redis_target=redis_server_target, sql_target=sql_target, llm_base_url=closed_port_url
    )


def test_persona_lifecycle(crud_api: Api) -> None:
    client, auth = crud_api.client, crud_api.auth

    created = client.post("/v1/personas", json=SMITH, headers=auth)
    assert created.status_code == 201
    assert created.json()["name"] == "Hilda Ironhand"

    listed = client.get("/v1/personas", headers=auth).json()["items"]
    assert {p["id"] for p in listed} == {"innkeeper", "smith"}

    replaced = client.put(
        "/v1/personas/smith", json=SMITH | {"id": None, "name": "Hilda"}, headers=auth
    )
    assert replaced.status_code == 200
    assert client.get("/v1/personas/smith", headers=auth).json()["name"] == "Hilda"

    assert client.delete("/v1/personas/smith", headers=auth).status_code == 204
    missing = client.get("/v1/personas/smith", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"


def test_duplicate_id_is_a_conflict(crud_api: Api) -> None:
    assert (
        crud_api.client.post("/v1/personas", json=SMITH, headers=crud_api.auth).status_code == 201
    )
    again = crud_api.client.post("/v1/personas", json=SMITH, headers=crud_api.auth)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_generated_id_when_none_given(crud_api: Api) -> None:
    body = {k: v for k, v in SMITH.items() if k != "id"}
    created = crud_api.client.post("/v1/personas", json=body, headers=crud_api.auth).json()
    assert created["id"]
    assert crud_api.client.get(f"/v1/personas/{created['id']}", headers=crud_api.auth).is_success


def test_a_tenant_never_sees_another_tenants_personas(crud_api: Api) -> None:
    other = crud_api.other_tenant()

    assert crud_api.client.get("/v1/personas", headers=other).json()["items"] == []
    assert crud_api.client.get("/v1/personas/innkeeper", headers=other).status_code == 404
    assert crud_api.client.delete("/v1/personas/innkeeper", headers=other).status_code == 404
    assert crud_api.client.get("/v1/personas/innkeeper", headers=crud_api.auth).is_success


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer npc_wrong"}, {"Authorization": "Basic abc"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_every_v1_route_requires_the_key(api: Api, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/v1/personas"),
        ("POST", "/v1/personas"),
        ("GET", "/v1/personas/innkeeper"),
        ("DELETE", "/v1/personas/innkeeper"),
        ("POST", api.turns_url()),
        ("GET", api.turns_url()),
    ]:
        response = api.client.request(method, path, headers=headers, json={"text": "hi"})
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x" * 101}, {"id": "bad id!", "name": "x"}, {}],
    ids=["empty-name", "long-name", "bad-id", "no-name"],
)
def test_invalid_persona_is_422_problem(api: Api, body: dict[str, str]) -> None:
    response = api.client.post("/v1/personas", json=body, headers=api.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_the_dev_key_is_written_for_the_readme(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    closed_port_url: str,
) -> None:
    api = make_api(
        redis_target=redis_server_target,
        sql_target=sqlite_target,
        llm_base_url=closed_port_url,
        dev_api_key=None,
    )
    key = api.settings.dev_api_key_file.read_text().strip()
    assert key.startswith("npc_")
    assert oct(api.settings.dev_api_key_file.stat().st_mode & 0o777) == "0o600"
    response = api.client.get("/v1/personas/innkeeper", headers={"Authorization": f"Bearer {key}"})
    assert response.json()["name"] == "Bram Alderwood"


def test_a_turn_reads_the_persona_as_just_edited(crud_api: Api) -> None:
    """Turns reuse a persona they read (persona_cache_s); an edit through the same process is
    seen by the very next turn."""
    auth, url = crud_api.auth, "/v1/personas/smith/players/p1/turns:preview"
    crud_api.client.post("/v1/personas", json=SMITH, headers=auth)
    before = crud_api.client.post(url, json={"text": "Hello"}, headers=auth).json()
    renamed = {k: v for k, v in SMITH.items() if k != "id"} | {"name": "Hilda Stonehand"}
    crud_api.client.put("/v1/personas/smith", json=renamed, headers=auth)
    after = crud_api.client.post(url, json={"text": "Hello"}, headers=auth).json()
    crud_api.client.delete("/v1/personas/smith", headers=auth)
    gone = crud_api.client.post(url, json={"text": "Hello"}, headers=auth)

    assert "Hilda Ironhand" in before["messages"][0]["content"]
    assert "Hilda Stonehand" in after["messages"][0]["content"]
    assert gone.status_code == 404
