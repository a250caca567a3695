"""The OpenAPI document as the SDK and the docs need it: operation ids named after the route
functions (the SDK's method names), errors as application/problem+json on every API operation
(429 and 503 included, which any authenticated call can meet), and an example on each.

The examples live in `examples.json` beside this module; tests validate each against the route's
own models, so an example cannot drift from what the server accepts and returns.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from service.errors import PROBLEM_JSON

EXAMPLES = Path(__file__).with_name("examples.json")
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Any call with a key is counted against the tenant's rate and reads Redis to do it.
_ALWAYS = {
    429: "too many requests for this tenant (see Retry-After)",
    503: "a service this request needs is unreachable (see Retry-After)",
}


def operation_id(route: APIRoute) -> str:
    return route.name


@cache
def examples() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXAMPLES.read_text())
    return loaded


def install_document(app: FastAPI) -> None:
    generate = app.openapi
    finished: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI caches it until the routes change
        if not finished or finished[0] is not document:
            _finish(document)
            finished[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _finish(document: dict[str, Any]) -> None:
    shown = examples()
    for path, item in document["paths"].items():
        for operation in item.values():
            if path.startswith("/v1/"):
                _problems(operation)
            _examples(operation, shown["operations"].get(operation["operationId"], {}), shown)
    document["components"]["examples"] = {
        f"problem{status}": {"summary": problem["title"], "value": problem}
        for status, problem in shown["problems"].items()
    }
    schemas = document["components"]["schemas"]
    # FastAPI's default 422 shapes: every operation documents Problem instead.
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused not in json.dumps(document["paths"]):
            schemas.pop(unused, None)


def _problems(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status, description in _ALWAYS.items():
        responses.setdefault(str(status), {"description": description})
    if "requestBody" in operation:
        responses.setdefault("413", {"description": "the body is over NPC_MAX_BODY_BYTES"})
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}


def _examples(operation: dict[str, Any], example: dict[str, Any], shown: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if (value := shown["parameters"].get(parameter["name"])) is not None:
            parameter.setdefault("example", value)
    if "request" in example:
        content = operation["requestBody"]["content"]
        content[next(iter(content))]["example"] = example["request"]
    for status, response in operation["responses"].items():
        content = response.get("content", {})
        if PROBLEM_JSON in content:
            ref = {"$ref": f"#/components/examples/problem{status}"}
            content[PROBLEM_JSON]["examples"] = {shown["problems"][status]["code"]: ref}
        elif status in example.get("responses", {}):
            content[next(iter(content))]["example"] = example["responses"][status]
