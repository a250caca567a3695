"""The OpenAPI document in the repository is the one the app serves: the SDK is generated from
the file, so a route changed without `python -m service.openapi` would ship a client that
does not match the server."""

from __future__ import annotations

import json

from service.openapi import DOCUMENT, render
from tests.conftest import Api


def test_the_committed_document_is_what_the_running_app_serves(api: Api) -> None:
    response = api.client.get("/openapi.json")

    assert response.status_code == 200
    assert DOCUMENT.read_text() == render(response.json()), (
        "openapi.json is stale: run `python -m service.openapi`"
    )


def test_every_api_operation_documents_its_errors_as_problem_json() -> None:
    document = json.loads(DOCUMENT.read_text())
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    for path, method, operation in operations:
        assert "#/components/schemas/Problem" in json.dumps(operation["responses"]), (
            method,
            path,
        )
