"""The OpenAPI document in the repository is the one the app serves: the SDK is generated from
the file, so a route changed without `python -m service.openapi` would ship a client that
does not match the server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from persona.card import from_card
from service.api_document import examples
from service.app import create_app
from service.errors import Problem
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


def _routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    # FastAPI keeps an included router whole; its routes are the ones the app serves.
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes)


def test_every_operation_shows_an_example_of_what_it_takes_and_returns() -> None:
    document = json.loads(DOCUMENT.read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = (method, path)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if media["schema"].get("format") != "binary":
                    assert "example" in media, where
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    if media.get("schema", {}).get("format") == "binary" or not media:
                        continue
                    assert "example" in media or "examples" in media, (where, status)
            shown = json.dumps(operation)
            assert '"example' in shown, where


def test_the_examples_are_what_the_routes_accept_and_return() -> None:
    shown = examples()
    routes = {route.name: route for route in _routes(create_app().routes)}
    assert set(shown["operations"]) <= set(routes)
    for name, example in shown["operations"].items():
        route = routes[name]
        if "request" in example:
            if route.body_field is not None:
                TypeAdapter(route.body_field.field_info.annotation).validate_python(
                    example["request"]
                )
            else:  # the card import reads its body itself
                assert from_card(example["request"], None).persona.name
        for status, body in example["responses"].items():
            if status == str(route.status_code or 200) and route.response_model is not None:
                TypeAdapter(route.response_model).validate_python(body)
    for status, body in shown["problems"].items():
        problem = Problem.model_validate(body)
        assert problem.status == int(status)
        assert problem.type.endswith(problem.code)


def test_the_parameter_examples_match_their_patterns() -> None:
    document = json.loads(DOCUMENT.read_text())
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if "example" in parameter and "pattern" in schema:
                    assert re.fullmatch(schema["pattern"], str(parameter["example"])), parameter
