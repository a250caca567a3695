"""The embedded memory pool: a qdrant-edge shard directory owned by this process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

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


def _match(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value))


def _scope_filter(
    c: Conversation,
    types: Sequence[str] | None = None,
    include_superseded: bool = True,
    personas: Sequence[str] | None = None,
) -> qe.Filter:
    must: list[Any] = [
        _match("tenant_id", c.tenant_id),
        # A world's personas may share what a player told any of them.
        qe.FieldCondition(key="persona_id", match=qe.MatchAny(list(personas)))
        if personas
        else _match("persona_id", c.persona_id),
        _match("player_id", c.player_id),
    ]
    if types:
        must.append(qe.FieldCondition(key="type", match=qe.MatchAny(list(types))))
    if not include_superseded:
        must.append(_match("status", "current"))
    return qe.Filter(must=must)


# Multilingual tokenizer: words for Latin and Cyrillic scripts, dictionary words for CJK.
_TEXT_INDEX = qe.TextIndexParams(
    tokenizer=qe.TokenizerType.Multilingual,
    lowercase=True,
    ascii_folding=True,
    stopwords=qe.StopwordsSet(languages={getattr(qe.Language, n) for n in STOPWORD_LANGUAGES}),
    scoring=qe.TextScoringParams(type=qe.TextScoringType.Bm25),
)


def _dense(vector: Any) -> list[float] | None:
    return vector_named(vector, "")


def _hit(point: Any, with_vectors: bool) -> ScoredEvent:
    return ScoredEvent(
        event=from_payload(dict(point.payload or {})),
        score=float(point.score),
        vector=_dense(point.vector) if with_vectors else None,
        e5=vector_named(point.vector, E5) if with_vectors else None,
    )


class EdgeMemoryStore:
    """Qdrant's own engine in-process. Only one process may open a shard directory."""

    def __init__(self, path: Path, dim: int, e5_dim: int = E5_DIM) -> None:
        path.mkdir(parents=True, exist_ok=True)
        # Edge calls are synchronous and the shard is not documented as thread-safe.
        self._lock = threading.Lock()
        if any(path.iterdir()):
            self._shard = qe.EdgeShard.load(str(path))
            if TEXT_FIELD not in self._shard.info().payload_schema:
                # A shard made before the keyword signal existed gains its index here.
                self._shard.update(qe.UpdateOperation.create_field_index(TEXT_FIELD, _TEXT_INDEX))
        else:
            cosine = qe.Distance.Cosine
            config = qe.EdgeConfig(
                vectors={
                    "": qe.EdgeVectorParams(size=dim, distance=cosine),
                    E5: qe.EdgeVectorParams(size=e5_dim, distance=cosine),
                }
            )
            self._shard = qe.EdgeShard.create(str(path), config)
            self._create_indexes()
        self.stores_e5 = self._has_e5()

    def _has_e5(self) -> bool:
        """Shards made before e5 was stored have the default vector alone (recall then embeds
        their notes when it reads them)."""
        probe = qe.QueryRequest(query=qe.Query.Nearest([0.0] * E5_DIM, using=E5), limit=1)
        try:
            self._shard.query(probe)
        except Exception:  # qdrant-edge raises a bare Exception: "Not existing vector name"
            return False
        return True

    def _create_indexes(self) -> None:
        self._shard.update(
            qe.UpdateOperation.create_field_index(
                "tenant_id", qe.KeywordIndexParams(is_tenant=True)
            )
        )
        for key in INDEXED_KEYWORDS[1:]:
            self._shard.update(
                qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Keyword)
            )
        self._shard.update(qe.UpdateOperation.create_field_index(TEXT_FIELD, _TEXT_INDEX))

    async def _run(self, fn: Any, *args: Any) -> Any:
        def locked() -> Any:
            with self._lock:
                return fn(*args)

        return await asyncio.to_thread(locked)

    async def upsert(
        self,
        events: Sequence[Event],
        vectors: Sequence[Vector],
        e5: Sequence[Vector] | None = None,
    ) -> None:
        named = point_vectors(vectors, e5, self.stores_e5)
        points = [
            qe.Point(e.id, dict(v), to_payload(e)) for e, v in zip(events, named, strict=True)
        ]
        if points:
            await self._run(self._shard.update, qe.UpdateOperation.upsert_points(points))

    async def get(self, c: Conversation, event_id: str) -> Event | None:
        records = await self._run(
            lambda: self._shard.retrieve(point_ids=[event_id], with_payload=True, with_vector=False)
        )
        return in_scope([r.payload for r in records], c)

    async def list_events(
        self,
        c: Conversation,
        *,
        types: Sequence[str] | None = None,
        include_superseded: bool = False,
        limit: int = 500,
    ) -> list[Event]:
        request = qe.ScrollRequest(
            limit=limit, filter=_scope_filter(c, types, include_superseded), with_payload=True
        )
        records, _ = await self._run(self._shard.scroll, request)
        events = [from_payload(dict(r.payload or {})) for r in records]
        return sorted(events, key=lambda e: (e.created_at, e.id))

    async def list_with_vectors(self, c: Conversation, *, limit: int = 5000) -> list[Stored]:
        request = qe.ScrollRequest(
            limit=limit,
            filter=_scope_filter(c, None, False),
            with_payload=True,
            with_vector=True,
        )
        records, _ = await self._run(self._shard.scroll, request)
        return stored_pairs((r.payload, _dense(r.vector)) for r in records)

    async def get_with_vectors(self, c: Conversation, event_ids: Sequence[str]) -> list[Stored]:
        if not event_ids:
            return []
        records = await self._run(
            lambda: self._shard.retrieve(
                point_ids=list(event_ids), with_payload=True, with_vector=True
            )
        )
        pairs = stored_pairs((r.payload, _dense(r.vector)) for r in records)
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
        nearest = [float(x) for x in vector]
        request = qe.QueryRequest(
            query=qe.Query.Nearest(nearest, using=E5) if e5 else qe.Query.Nearest(nearest),
            limit=k,
            filter=_scope_filter(c, types, include_superseded, personas),
            with_payload=True,
            with_vector=with_vectors,
            score_threshold=min_score,
        )
        points = await self._run(self._shard.query, request)
        return [_hit(p, with_vectors) for p in points]

    async def keyword_search(
        self,
        c: Conversation,
        text: str,
        k: int,
        *,
        types: Sequence[str] | None = None,
        personas: Sequence[str] | None = None,
    ) -> list[ScoredEvent]:
        request = qe.QueryRequest(
            query=qe.TextQuery(TEXT_FIELD, text),
            limit=k,
            filter=_scope_filter(c, types, False, personas),
            with_payload=True,
            with_vector=True,
        )
        points = await self._run(self._shard.query, request)
        return [_hit(p, True) for p in points]

    async def patch(self, c: Conversation, event_id: str, fields: dict[str, Any]) -> None:
        if await self.get(c, event_id) is None:
            return
        await self._run(
            self._shard.update, qe.UpdateOperation.set_payload([event_id], patch_payload(fields))
        )

    async def delete(self, c: Conversation, event_id: str) -> bool:
        if await self.get(c, event_id) is None:
            return False
        await self._run(self._shard.update, qe.UpdateOperation.delete_points([event_id]))
        return True

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        selector = qe.Filter(must=[_match("tenant_id", tenant_id), _match("player_id", player_id)])
        count = await self._run(self._shard.count, qe.CountRequest(filter=selector, exact=True))
        await self._run(self._shard.update, qe.UpdateOperation.delete_points_by_filter(selector))
        return int(count)

    async def scan_current(
        self, offset: str | None = None, limit: int = 500
    ) -> tuple[list[Event], str | None]:
        request = qe.ScrollRequest(
            offset=offset,
            limit=limit,
            with_payload=True,
            filter=qe.Filter(must=[_match("status", "current")]),
        )
        records, next_offset = await self._run(self._shard.scroll, request)
        events = [from_payload(dict(r.payload or {})) for r in records]
        return events, None if next_offset is None else str(next_offset)

    async def ping(self) -> None:
        await self._run(self._shard.info)

    async def close(self) -> None:
        await self._run(self._shard.close)
