from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.memory_preferences import MemoryPreferences
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    persona_id: str,
    player_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/personas/{persona_id}/players/{player_id}/memory-preferences".format(
            persona_id=quote(str(persona_id), safe=""),
            player_id=quote(str(player_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MemoryPreferences | Problem | None:
    if response.status_code == 200:
        response_200 = MemoryPreferences.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[MemoryPreferences | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[MemoryPreferences | Problem]:
    """What the character learned of the player's memory preferences

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MemoryPreferences | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
) -> MemoryPreferences | Problem | None:
    """What the character learned of the player's memory preferences

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MemoryPreferences | Problem
    """

    return sync_detailed(
        persona_id=persona_id,
        player_id=player_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[MemoryPreferences | Problem]:
    """What the character learned of the player's memory preferences

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MemoryPreferences | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
) -> MemoryPreferences | Problem | None:
    """What the character learned of the player's memory preferences

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MemoryPreferences | Problem
    """

    return (
        await asyncio_detailed(
            persona_id=persona_id,
            player_id=player_id,
            client=client,
        )
    ).parsed
