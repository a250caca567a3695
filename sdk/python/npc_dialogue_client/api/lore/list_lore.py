from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.lore_list import LoreList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    persona_id: None | str | Unset = UNSET,
    world_id: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_persona_id: None | str | Unset
    if isinstance(persona_id, Unset):
        json_persona_id = UNSET
    else:
        json_persona_id = persona_id
    params["persona_id"] = json_persona_id

    json_world_id: None | str | Unset
    if isinstance(world_id, Unset):
        json_world_id = UNSET
    else:
        json_world_id = world_id
    params["world_id"] = json_world_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/lore",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LoreList | Problem | None:
    if response.status_code == 200:
        response_200 = LoreList.from_dict(response.json())

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
) -> Response[LoreList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    persona_id: None | str | Unset = UNSET,
    world_id: None | str | Unset = UNSET,
) -> Response[LoreList | Problem]:
    """List lore documents

    Args:
        persona_id (None | str | Unset):
        world_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LoreList | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        world_id=world_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    persona_id: None | str | Unset = UNSET,
    world_id: None | str | Unset = UNSET,
) -> LoreList | Problem | None:
    """List lore documents

    Args:
        persona_id (None | str | Unset):
        world_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LoreList | Problem
    """

    return sync_detailed(
        client=client,
        persona_id=persona_id,
        world_id=world_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    persona_id: None | str | Unset = UNSET,
    world_id: None | str | Unset = UNSET,
) -> Response[LoreList | Problem]:
    """List lore documents

    Args:
        persona_id (None | str | Unset):
        world_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LoreList | Problem]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        world_id=world_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    persona_id: None | str | Unset = UNSET,
    world_id: None | str | Unset = UNSET,
) -> LoreList | Problem | None:
    """List lore documents

    Args:
        persona_id (None | str | Unset):
        world_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LoreList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            persona_id=persona_id,
            world_id=world_id,
        )
    ).parsed
