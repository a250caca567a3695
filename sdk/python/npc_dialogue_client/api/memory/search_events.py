from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.search_request import SearchRequest
from ...models.search_result import SearchResult
from ...types import Response


def _get_kwargs(
    persona_id: str,
    player_id: str,
    *,
    body: SearchRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/personas/{persona_id}/players/{player_id}/events:search".format(
            persona_id=quote(str(persona_id), safe=""),
            player_id=quote(str(player_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SearchResult | None:
    if response.status_code == 200:
        response_200 = SearchResult.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

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
) -> Response[Problem | SearchResult]:
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
    body: SearchRequest,
) -> Response[Problem | SearchResult]:
    """The events that best answer a query, ranked as a turn's recall ranks them

     Dense similarity, shared telling words (BM25) and the bearing judge, fused by rank; `score` is the
    fused score (higher is better), not a cosine.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        body (SearchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResult]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        body=body,
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
    body: SearchRequest,
) -> Problem | SearchResult | None:
    """The events that best answer a query, ranked as a turn's recall ranks them

     Dense similarity, shared telling words (BM25) and the bearing judge, fused by rank; `score` is the
    fused score (higher is better), not a cosine.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        body (SearchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResult
    """

    return sync_detailed(
        persona_id=persona_id,
        player_id=player_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    body: SearchRequest,
) -> Response[Problem | SearchResult]:
    """The events that best answer a query, ranked as a turn's recall ranks them

     Dense similarity, shared telling words (BM25) and the bearing judge, fused by rank; `score` is the
    fused score (higher is better), not a cosine.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        body (SearchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResult]
    """

    kwargs = _get_kwargs(
        persona_id=persona_id,
        player_id=player_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    persona_id: str,
    player_id: str,
    *,
    client: AuthenticatedClient,
    body: SearchRequest,
) -> Problem | SearchResult | None:
    """The events that best answer a query, ranked as a turn's recall ranks them

     Dense similarity, shared telling words (BM25) and the bearing judge, fused by rank; `score` is the
    fused score (higher is better), not a cosine.

    Args:
        persona_id (str): The persona's id.
        player_id (str): The game's id for the player.
        body (SearchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResult
    """

    return (
        await asyncio_detailed(
            persona_id=persona_id,
            player_id=player_id,
            client=client,
            body=body,
        )
    ).parsed
