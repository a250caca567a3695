"""Schemathesis over the OpenAPI document, against an app on the real model server: whatever
it sends, generated from the document's schemas (valid and invalid data alike), no answer is
a 5xx. Bounded: a few examples per operation, no shrinking, no example database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import Api, ApiFactory, RedisTarget, SqlTarget

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def fuzzed_api(
    make_api: ApiFactory,
    redis_server_target: RedisTarget,
    sqlite_target: SqlTarget,
    vllm_base_url: str,
) -> Iterator[Api]:
    # Rate limit off: the fuzzer is one client sending many requests in a burst.
    yield make_api(
        redis_target=redis_server_target,
        sql_target=sqlite_target,
        llm_base_url=vllm_base_url,
        rate_limit_per_minute=0,
    )


@pytest.mark.e2e
def test_no_generated_request_gets_a_server_error(fuzzed_api: Api) -> None:
    # The document the app serves; requests go through the running app's client (schemathesis'
    # own ASGI client would start the app a second time).
    schema = schemathesis.openapi.from_dict(fuzzed_api.client.get("/openapi.json").json())
    sent: dict[str, int] = {}
    server_errors: list[str] = []

    for found in schema.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            request = case.as_transport_kwargs(
                base_url="http://testserver", headers=fuzzed_api.auth
            )
            request.pop("cookies", None)
            if "data" in request:
                request["content"] = request.pop("data")
            response = fuzzed_api.client.request(**request)
            label = case.operation.label
            sent[label] = sent.get(label, 0) + 1
            if response.status_code >= 500:
                server_errors.append(f"{label} {response.status_code} {response.text}")

        call()

    print(f"schemathesis: {sum(sent.values())} requests over {len(sent)} operations")
    assert len(sent) >= 25
    assert not server_errors, server_errors[:5]
