"""The stack's memory pool: a Qdrant server through qdrant-client's AsyncQdrantClient.

Tested against qdrant-client's local mode (`location=":memory:"` or `path=`), which runs the
same client code path without a server. Local mode ranks text queries only with the default
word tokenizer, so there the keyword signal splits on spaces and keeps stop words; a server gets
the multilingual tokenizer (CJK words) and stop-word lists, as the embedded edge store has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from core.conversation import Conversation
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
        self._client = client
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
        await store._ensure_collection()
        return store

    async def _ensure_collection(self) -> None:
        if await self._client.collection_exists(self._collection):
            info = await self._client.get_collection(self._collection)
            if TEXT_FIELD not in info.payload_schema:
                # A collection made before the keyword signal existed gains its index here.
                await self._create_text_index()
            vectors = info.config.params.vectors
            self.stores_e5 = isinstance(vectors, dict) and E5 in vectors
            return
        cosine = qm.Distance.COSINE
        await self._client.create_collection(
            self._collection,
            vectors_config={
                "": qm.VectorParams(size=self._dim, distance=cosine),
                E5: qm.VectorParams(size=E5_DIM, distance=cosine),
            },
        )
        await self._client.create_payload_index(
            self._collection,
            "tenant_id",
            qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True),
        )
        for key in INDEXED_KEYWORDS[1:]:
            await self._client.create_payload_index(
                self._collection, key, qm.PayloadSchemaType.KEYWORD
            )
        await self._create_text_index()

    async def _create_text_index(self) -> None:
        await self._client.create_payload_index(
            self._collection, TEXT_FIELD, _text_index(self._server)
        )

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
        count = await self._client.count(self._collection, count_filter=selector, exact=True)
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
        await self._client.close()
