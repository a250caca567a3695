from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.turn_log import TurnLog
from ...types import UNSET, Response, Unset


def _get_kwargs(
    persona_id: str,
    player_id: str,
    *,
    limit: int | Unset = 100,
    after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/personas/{persona_id}/players/{player_id}/turns".format(
            persona_id=quote(str(persona_id), safe=""),
            player_id=quote(str(player_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TurnLog | None:
    if response.status_code == 200:
        response_200 = TurnLog.from_dict(response.json())

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
) -> Response[Problem | TurnLog]:
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
    limit: int | Unset = 100,
    after: None | str | Unset = UNSET,
) -> Response[Problem | TurnLog]:
    """The conversation log, newest last

     Without `after`: the latest `limit` lines. With `after`: the lines after that entry id, oldest
    first, for reading the whole log page by page.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        limit (int | Unset):  Default: 100.
        after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TurnLog]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        limit=limit,
        after=after,
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
    limit: int | Unset = 100,
    after: None | str | Unset = UNSET,
) -> Problem | TurnLog | None:
    """The conversation log, newest last

     Without `after`: the latest `limit` lines. With `after`: the lines after that entry id, oldest
    first, for reading the whole log page by page.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        limit (int | Unset):  Default: 100.
        after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TurnLog
    """

    return sync_detailed(
        persona_id=persona_id,
        player_id=player_id,
        client=client,
        limit=limit,
        after=after,
    ).parsed


async def asyncio_detailed(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    after: None | str | Unset = UNSET,
) -> Response[Problem | TurnLog]:
    """The conversation log, newest last

     Without `after`: the latest `limit` lines. With `after`: the lines after that entry id, oldest
    first, for reading the whole log page by page.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        limit (int | Unset):  Default: 100.
        after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TurnLog]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        limit=limit,
        after=after,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    after: None | str | Unset = UNSET,
) -> Problem | TurnLog | None:
    """The conversation log, newest last

     Without `after`: the latest `limit` lines. With `after`: the lines after that entry id, oldest
    first, for reading the whole log page by page.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        limit (int | Unset):  Default: 100.
        after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TurnLog
    """

    return (
        await asyncio_detailed(
            persona_id=persona_id,
            player_id=player_id,
            client=client,
            limit=limit,
            after=after,
        )
    ).parsed
