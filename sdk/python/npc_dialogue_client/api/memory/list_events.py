from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_list import EventList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    persona_id: str,
    player_id: str,
    *,
    type_: None | str | Unset = UNSET,
    include_superseded: bool | Unset = False,
    include_derived: bool | Unset = False,
    limit: int | Unset = 500,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    else:
        json_type_ = type_
    params["type"] = json_type_

    params["include_superseded"] = include_superseded

    params["include_derived"] = include_derived

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/personas/{persona_id}/players/{player_id}/events".format(
            persona_id=quote(str(persona_id), safe=""),
            player_id=quote(str(player_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EventList | Problem | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())

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
) -> Response[EventList | Problem]:
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
    type_: None | str | Unset = UNSET,
    include_superseded: bool | Unset = False,
    include_derived: bool | Unset = False,
    limit: int | Unset = 500,
) -> Response[EventList | Problem]:
    """The player's memory events

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        type_ (None | str | Unset): Only this type.
        include_superseded (bool | Unset):  Default: False.
        include_derived (bool | Unset): Also the player's profile and reflections. Default: False.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventList | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        type_=type_,
        include_superseded=include_superseded,
        include_derived=include_derived,
        limit=limit,
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
    type_: None | str | Unset = UNSET,
    include_superseded: bool | Unset = False,
    include_derived: bool | Unset = False,
    limit: int | Unset = 500,
) -> EventList | Problem | None:
    """The player's memory events

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        type_ (None | str | Unset): Only this type.
        include_superseded (bool | Unset):  Default: False.
        include_derived (bool | Unset): Also the player's profile and reflections. Default: False.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventList | Problem
    """

    return sync_detailed(
        persona_id=persona_id,
        player_id=player_id,
        client=client,
        type_=type_,
        include_superseded=include_superseded,
        include_derived=include_derived,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    type_: None | str | Unset = UNSET,
    include_superseded: bool | Unset = False,
    include_derived: bool | Unset = False,
    limit: int | Unset = 500,
) -> Response[EventList | Problem]:
    """The player's memory events

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        type_ (None | str | Unset): Only this type.
        include_superseded (bool | Unset):  Default: False.
        include_derived (bool | Unset): Also the player's profile and reflections. Default: False.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventList | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        type_=type_,
        include_superseded=include_superseded,
        include_derived=include_derived,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    type_: None | str | Unset = UNSET,
    include_superseded: bool | Unset = False,
    include_derived: bool | Unset = False,
    limit: int | Unset = 500,
) -> EventList | Problem | None:
    """The player's memory events

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        type_ (None | str | Unset): Only this type.
        include_superseded (bool | Unset):  Default: False.
        include_derived (bool | Unset): Also the player's profile and reflections. Default: False.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventList | Problem
    """

    return (
        await asyncio_detailed(
            persona_id=persona_id,
            player_id=player_id,
            client=client,
            type_=type_,
            include_superseded=include_superseded,
            include_derived=include_derived,
            limit=limit,
        )
    ).parsed
