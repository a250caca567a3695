"""The generated client, set up so that every call returns its typed result or raises."""

from __future__ import annotations

from typing import TypeVar

import httpx
from npc_dialogue_client import AuthenticatedClient
from npc_dialogue_client.models import Problem

from npc_dialogue.errors import araise_for_problem, raise_for_problem

T = TypeVar("T")


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def connect(base_url: str, api_key: str, *, timeout_s: float = 120.0) -> AuthenticatedClient:
    """A client for the generated `sync`/`sync_detailed` functions. An error the service
    answers with raises the matching `npc_dialogue.errors.ApiError` subclass."""
    client = AuthenticatedClient(base_url=base_url, token=api_key)
    return client.set_httpx_client(
        httpx.Client(
            base_url=base_url,
            headers=_headers(api_key),
            timeout=timeout_s,
            event_hooks={"response": [raise_for_problem]},
        )
    )


def connect_async(base_url: str, api_key: str, *, timeout_s: float = 120.0) -> AuthenticatedClient:
    """The same for the generated `asyncio`/`asyncio_detailed` functions."""
    client = AuthenticatedClient(base_url=base_url, token=api_key)
    return client.set_async_httpx_client(
        httpx.AsyncClient(
            base_url=base_url,
            headers=_headers(api_key),
            timeout=timeout_s,
            event_hooks={"response": [araise_for_problem]},
        )
    )


def ok(result: T | Problem | None) -> T:
    """A generated call's result, narrowed to its success type. A `connect()` client raises
    on every error, so neither a Problem nor None reaches here from one."""
    if result is None or isinstance(result, Problem):
        raise TypeError(f"not a success result: {result!r} (use a client from connect())")
    return result
