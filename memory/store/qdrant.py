"""The stack's memory pool: a Qdrant server through qdrant-client's AsyncQdrantClient.

Tested against qdrant-client's local mode (`location=":memory:"` or `path=`), which runs the
same client code path without a server. Local mode ranks text queries only with the default
word tokenizer, so there the keyword signal splits on spaces and keeps stop words; a server gets
the multilingual tokenizer (CJK words) and stop-word lists, as the embedded edge store has.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import structlog
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from core.conversation import Conversation
from core.errors import MemoryUnavailable
from memory.events import Event, ScoredEvent
from memory.store.port import (
    E5,
    E5_DIM,
    INDEXED_KEYWORDS,
    STOPWORD_LANGUAGES,
    TEXT_FIELD,
    Stored,
    Vector,
    from_payload,
    in_scope,
    owned_by,
    patch_payload,
    point_vectors,
    stored_pairs,
    to_payload,
    vector_named,
)

log = structlog.get_logger(__name__)


def _unreachable(exc: Exception) -> bool:
    if isinstance(exc, ResponseHandlingException | httpx.TransportError):
        return True
    return isinstance(exc, UnexpectedResponse) and (exc.status_code or 0) >= 500


class _Reachable:
    """The client's calls, with a server that cannot be reached raised as MemoryUnavailable (a
    turn then answers without memory; a worker leaves its entries pending). A collection that
    could not be set up at start is set up by the first call that reaches the server."""

    def __init__(self, client: AsyncQdrantClient, setup: Callable[[], Any]) -> None:
        self.raw = client
        self._setup = setup
        self.pending_setup = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.raw, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        @functools.wraps(attr)
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                if self.pending_setup:
                    await self._setup()
                    self.pending_setup = False
                return await attr(*args, **kwargs)
            except Exception as exc:
                if _unreachable(exc):
                    raise MemoryUnavailable(f"{type(exc).__name__}") from exc
                raise

        return call


def _match(key: str, value: str) -> qm.FieldCondition:
    return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))


def _scope_filter(
    c: Conversation,
    types: Sequence[str] | None = None,
    include_superseded: bool = True,
    personas: Sequence[str] | None = None,
) -> qm.Filter:
    must: list[qm.Condition] = [
        _match("tenant_id", c.tenant_id),
        # A world's personas may share what a player told any of them.
        qm.FieldCondition(key="persona_id", match=qm.MatchAny(any=list(personas)))
        if personas
        else _match("persona_id", c.persona_id),
        _match("player_id", c.player_id),
    ]
    if types:
        must.append(qm.FieldCondition(key="type", match=qm.MatchAny(any=list(types))))
    if not include_superseded:
        must.append(_match("status", "current"))
    return qm.Filter(must=must)


def _text_index(server: bool) -> qm.TextIndexParams:
    scoring = qm.TextScoringParams(type=qm.TextScoringType.BM25)
    if not server:
        return qm.TextIndexParams(type=qm.TextIndexType.TEXT, scoring=scoring)
    return qm.TextIndexParams(
        type=qm.TextIndexType.TEXT,
        tokenizer=qm.TokenizerType.MULTILINGUAL,
        lowercase=True,
        ascii_folding=True,
        stopwords=qm.StopwordsSet(
            languages=[getattr(qm.Language, n.upper()) for n in STOPWORD_LANGUAGES]
        ),
        scoring=scoring,
    )


def _plain(vector: object) -> list[float] | None:
    return vector_named(vector, "")


def _scored(point: qm.ScoredPoint) -> ScoredEvent:
    return ScoredEvent(
        event=from_payload(dict(point.payload or {})),
        score=float(point.score),
        vector=_plain(point.vector),
        e5=vector_named(point.vector, E5),
    )


class QdrantMemoryStore:
    def __init__(
        self, client: AsyncQdrantClient, collection: str, dim: int, server: bool = True
    ) -> None:
        # Setup goes through the raw client: the guard calls it before the first call.
        self._client: Any = _Reachable(client, lambda: self._ensure_collection(client))
        self._collection = collection
        self._dim = dim
        self._server = server
        # Collections made before e5 was stored have the default vector alone.
        self.stores_e5 = True

    @classmethod
    async def connect(cls, location: str, collection: str, dim: int) -> QdrantMemoryStore:
        """`location`: a server URL, ":memory:", or a folder path for local mode."""
        if location.startswith(("http://", "https://")):
            client = AsyncQdrantClient(url=location)
        elif location == ":memory:":
            client = AsyncQdrantClient(location=":memory:")
        else:
            client = AsyncQdrantClient(path=location)
        store = cls(client, collection, dim, server=location.startswith(("http://", "https://")))
        store._client.pending_setup = True
        try:
            await store._client.collection_exists(collection)  # the guard sets it up first
        except MemoryUnavailable as exc:
            # The gateway starts and answers without memory (readiness says so) until the
            # server is back; the first call that reaches it sets the collection up.
            log.warning("memory.unavailable_at_start", location=location, error=exc.detail)
        return store

    async def _ensure_collection(self, client: AsyncQdrantClient) -> None:
        if await client.collection_exists(self._collection):
            info = await client.get_collection(self._collection)
            if TEXT_FIELD not in info.payload_schema:
                # A collection made before the keyword signal existed gains its index here.
                await self._create_text_index(client)
            vectors = info.config.params.vectors
            self.stores_e5 = isinstance(vectors, dict) and E5 in vectors
            return
        cosine = qm.Distance.COSINE
        await client.create_collection(
            self._collection,
            vectors_config={
                "": qm.VectorParams(size=self._dim, distance=cosine),
                E5: qm.VectorParams(size=E5_DIM, distance=cosine),
            },
        )
        await client.create_payload_index(
            self._collection,
            "tenant_id",
            qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True),
        )
        for key in INDEXED_KEYWORDS[1:]:
            await client.create_payload_index(self._collection, key, qm.PayloadSchemaType.KEYWORD)
        await self._create_text_index(client)

    async def _create_text_index(self, client: AsyncQdrantClient) -> None:
        await client.create_payload_index(self._collection, TEXT_FIELD, _text_index(self._server))

    async def upsert(
        self,
        events: Sequence[Event],
        vectors: Sequence[Vector],
        e5: Sequence[Vector] | None = None,
    ) -> None:
        named = point_vectors(vectors, e5, self.stores_e5)
        points = [
            qm.PointStruct(id=e.id, vector=dict(v), payload=to_payload(e))
            for e, v in zip(events, named, strict=True)
        ]
        if points:
            await self._client.upsert(self._collection, points, wait=True)

    async def get(self, c: Conversation, event_id: str) -> Event | None:
        records = await self._client.retrieve(self._collection, [event_id], with_payload=True)
        return in_scope([r.payload for r in records], c)

    async def list_events(
        self,
        c: Conversation,
        *,
        types: Sequence[str] | None = None,
        include_superseded: bool = False,
        limit: int = 500,
    ) -> list[Event]:
        records, _ = await self._client.scroll(
            self._collection,
            scroll_filter=_scope_filter(c, types, include_superseded),
            limit=limit,
            with_payload=True,
        )
        events = [from_payload(dict(r.payload or {})) for r in records]
        return sorted(events, key=lambda e: (e.created_at, e.id))

    async def list_with_vectors(self, c: Conversation, *, limit: int = 5000) -> list[Stored]:
        records, _ = await self._client.scroll(
            self._collection,
            scroll_filter=_scope_filter(c, None, False),
            limit=limit,
            with_payload=True,
            with_vectors=True,
        )
        return stored_pairs((r.payload, _plain(r.vector)) for r in records)

    async def get_with_vectors(self, c: Conversation, event_ids: Sequence[str]) -> list[Stored]:
        if not event_ids:
            return []
        records = await self._client.retrieve(
            self._collection, list(event_ids), with_payload=True, with_vectors=True
        )
        pairs = stored_pairs((r.payload, _plain(r.vector)) for r in records)
        return [(e, v) for e, v in pairs if owned_by(e, c)]

    async def search(
        self,
        c: Conversation,
        vector: Vector,
        k: int,
        *,
        types: Sequence[str] | None = None,
        include_superseded: bool = False,
        with_vectors: bool = False,
        personas: Sequence[str] | None = None,
        min_score: float | None = None,
        e5: bool = False,
    ) -> list[ScoredEvent]:
        response = await self._client.query_points(
            self._collection,
            query=[float(x) for x in vector],
            using=E5 if e5 else None,
            limit=k,
            query_filter=_scope_filter(c, types, include_superseded, personas),
            with_payload=True,
            with_vectors=with_vectors,
            score_threshold=min_score,
        )
        return [_scored(p) for p in response.points]

    async def keyword_search(
        self,
        c: Conversation,
        text: str,
        k: int,
        *,
        types: Sequence[str] | None = None,
        personas: Sequence[str] | None = None,
    ) -> list[ScoredEvent]:
        response = await self._client.query_points(
            self._collection,
            query=qm.TextQuery(text=text),
            using=TEXT_FIELD,
            limit=k,
            query_filter=_scope_filter(c, types, False, personas),
            with_payload=True,
            with_vectors=True,
        )
        return [_scored(p) for p in response.points]

    async def patch(self, c: Conversation, event_id: str, fields: dict[str, Any]) -> None:
        if await self.get(c, event_id) is None:
            return
        await self._client.set_payload(
            self._collection, patch_payload(fields), points=[event_id], wait=True
        )

    async def delete(self, c: Conversation, event_id: str) -> bool:
        if await self.get(c, event_id) is None:
            return False
        await self._client.delete(self._collection, qm.PointIdsList(points=[event_id]), wait=True)
        return True

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        selector = qm.Filter(must=[_match("tenant_id", tenant_id), _match("player_id", player_id)])
        count: qm.CountResult = await self._client.count(
            self._collection, count_filter=selector, exact=True
        )
        await self._client.delete(self._collection, qm.FilterSelector(filter=selector), wait=True)
        return count.count

    async def scan_current(
        self, offset: str | None = None, limit: int = 500
    ) -> tuple[list[Event], str | None]:
        records, next_offset = await self._client.scroll(
            self._collection,
            offset=offset,
            limit=limit,
            with_payload=True,
            scroll_filter=qm.Filter(must=[_match("status", "current")]),
        )
        events = [from_payload(dict(r.payload or {})) for r in records]
        return events, None if next_offset is None else str(next_offset)

    async def ping(self) -> None:
        await self._client.get_collection(self._collection)

    async def close(self) -> None:
        await self._client.raw.close()
