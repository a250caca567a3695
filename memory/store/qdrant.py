"""The stack's memory pool: a Qdrant server through qdrant-client's AsyncQdrantClient.

Tested against qdrant-client's local mode (`location=":memory:"` or `path=`), which runs the
same client code path without a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from memory.events import Event, ScoredEvent
from memory.log import Conversation
from memory.store.port import (
    INDEXED_KEYWORDS,
    Vector,
    from_payload,
    in_scope,
    patch_payload,
    to_payload,
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


class QdrantMemoryStore:
    def __init__(self, client: AsyncQdrantClient, collection: str, dim: int) -> None:
        self._client = client
        self._collection = collection
        self._dim = dim

    @classmethod
    async def connect(cls, location: str, collection: str, dim: int) -> QdrantMemoryStore:
        """`location`: a server URL, ":memory:", or a folder path for local mode."""
        if location.startswith(("http://", "https://")):
            client = AsyncQdrantClient(url=location)
        elif location == ":memory:":
            client = AsyncQdrantClient(location=":memory:")
        else:
            client = AsyncQdrantClient(path=location)
        store = cls(client, collection, dim)
        await store._ensure_collection()
        return store

    async def _ensure_collection(self) -> None:
        if await self._client.collection_exists(self._collection):
            return
        await self._client.create_collection(
            self._collection,
            vectors_config=qm.VectorParams(size=self._dim, distance=qm.Distance.COSINE),
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

    async def upsert(self, events: Sequence[Event], vectors: Sequence[Vector]) -> None:
        points = [
            qm.PointStruct(id=e.id, vector=[float(x) for x in v], payload=to_payload(e))
            for e, v in zip(events, vectors, strict=True)
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
    ) -> list[ScoredEvent]:
        response = await self._client.query_points(
            self._collection,
            query=[float(x) for x in vector],
            limit=k,
            query_filter=_scope_filter(c, types, include_superseded, personas),
            with_payload=True,
            with_vectors=with_vectors,
        )
        return [
            ScoredEvent(
                event=from_payload(dict(p.payload or {})),
                score=float(p.score),
                vector=[float(x) for x in p.vector]  # type: ignore[arg-type]
                if isinstance(p.vector, list)
                else None,
            )
            for p in response.points
        ]

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
