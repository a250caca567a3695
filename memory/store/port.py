"""The MemoryStore protocol. The rest of the code never imports a Qdrant package directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from core.conversation import Conversation
from memory.events import Event, ScoredEvent

Vector = Sequence[float]

# The named vector beside the unnamed default (the embedder's): multilingual-e5, stored at write
# time so that recall's judge never embeds a stored memory. Pools made before it have none.
E5 = "e5"
E5_DIM = 384

# Payload fields every adapter indexes; tenant_id is the tenant partition key.
INDEXED_KEYWORDS = ("tenant_id", "persona_id", "player_id", "type", "subject", "status")
# The payload field under a full-text index with BM25 scoring: the keyword signal of recall.
TEXT_FIELD = "summary"
# Languages whose stop words the full-text index drops, so "the" never links memories. English
# only: other lists hold words that matter in English ("son" in French and Spanish, "mia" and
# "come" in Italian); BM25's IDF already weighs their common words down.
STOPWORD_LANGUAGES = ("English",)


def to_payload(event: Event) -> dict[str, Any]:
    payload = event.model_dump(mode="json")
    # A keyword, so "current only" is a cheap indexed match rather than an is-null test
    # (qdrant-edge 0.9 does not match booleans in filters).
    payload["status"] = _status(event.valid_to, event.superseded_by)
    return payload


def from_payload(payload: dict[str, Any]) -> Event:
    return Event.model_validate({k: v for k, v in payload.items() if k != "status"})


def in_scope(payloads: Sequence[dict[str, Any] | None], c: Conversation) -> Event | None:
    """The first stored event among `payloads` that belongs to conversation `c`."""
    for payload in payloads:
        event = from_payload(dict(payload or {}))
        if owned_by(event, c):
            return event
    return None


Stored = tuple[Event, list[float]]  # an event and the embedding stored beside it


def point_vectors(
    vectors: Sequence[Vector], e5: Sequence[Vector] | None, stores_e5: bool
) -> list[dict[str, list[float]]]:
    """Each point's named vectors as both adapters write them: the default ("") and, where the
    pool holds them and they are given, e5."""
    named: list[dict[str, list[float]]] = [{"": [float(x) for x in v]} for v in vectors]
    if e5 is not None and stores_e5:
        for point, extra in zip(named, e5, strict=True):
            point[E5] = [float(x) for x in extra]
    return named


def vector_named(vector: Any, name: str) -> list[float] | None:
    """One of a point's vectors as an adapter reads it back: the unnamed default ("") or a
    named one, if it has it."""
    if vector is None:
        return None
    if not isinstance(vector, dict):  # a point with the default vector alone
        vector = {"": vector}
    found = vector.get(name)
    # Already a list of floats: copying a thousand of them per turn shows in recall's latency.
    return found if found is None or isinstance(found, list) else list(found)


def stored_pairs(
    points: Iterable[tuple[dict[str, Any] | None, list[float] | None]],
) -> list[Stored]:
    """Stored events with their embeddings, oldest first, from (payload, vector) as an adapter
    reads them; a point that came without a vector is left out."""
    pairs = [(from_payload(dict(payload or {})), v) for payload, v in points if v is not None]
    return sorted(pairs, key=lambda p: (p[0].created_at, p[0].id))


def owned_by(event: Event, c: Conversation) -> bool:
    return (event.tenant_id, event.persona_id, event.player_id) == (
        c.tenant_id,
        c.persona_id,
        c.player_id,
    )


def _status(valid_to: object, superseded_by: object) -> str:
    """current; superseded (a newer fact replaced it); expired (a plan whose date passed)."""
    if valid_to is None:
        return "current"
    return "superseded" if superseded_by else "expired"


class MemoryStore(Protocol):
    # Whether the pool keeps e5 vectors beside the notes (one made before it did does not).
    stores_e5: bool

    async def upsert(
        self,
        events: Sequence[Event],
        vectors: Sequence[Vector],
        e5: Sequence[Vector] | None = None,
    ) -> None:
        """Insert or replace events (by id) with their embeddings, and their e5 embeddings
        where given (a pool made before e5 was stored ignores them)."""

    async def get(self, c: Conversation, event_id: str) -> Event | None: ...

    async def list_events(
        self,
        c: Conversation,
        *,
        types: Sequence[str] | None = None,
        include_superseded: bool = False,
        limit: int = 500,
    ) -> list[Event]:
        """The player's events, oldest first."""

    async def list_with_vectors(self, c: Conversation, *, limit: int = 5000) -> list[Stored]:
        """The player's current events with the embeddings stored beside them, oldest first:
        what derived memories are computed from without embedding anything again."""

    async def get_with_vectors(self, c: Conversation, event_ids: Sequence[str]) -> list[Stored]:
        """Those of `event_ids` that are the player's events (current or not), with their
        stored embeddings."""

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
        """The k events nearest to `vector` (cosine), best first; `with_vectors`: each hit comes
        with its stored embeddings (e5 too where stored); `personas` widens the scope
        from the conversation's persona to these personas' events about the same player;
        `min_score`: none less similar than this; `e5`: `vector` is a multilingual-e5 one,
        searched against the e5 vectors stored beside the notes (a pool that stores them)."""

    async def keyword_search(
        self,
        c: Conversation,
        text: str,
        k: int,
        *,
        types: Sequence[str] | None = None,
        personas: Sequence[str] | None = None,
    ) -> list[ScoredEvent]:
        """The k current events whose summaries share the most telling words with `text`
        (BM25 over the full-text index), best first, with their stored embeddings; score is
        the BM25 score."""

    async def patch(self, c: Conversation, event_id: str, fields: dict[str, Any]) -> None:
        """Overwrite some payload fields of one event (supersede, merge sources, decay)."""

    async def delete(self, c: Conversation, event_id: str) -> bool: ...

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        """Delete everything about a player in a tenant, across personas; returns the count."""

    async def scan_current(
        self, offset: str | None = None, limit: int = 500
    ) -> tuple[list[Event], str | None]:
        """Every current event of every tenant, a page at a time (for maintenance jobs)."""

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


def patch_payload(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready payload fields for a patch, keeping `status` in step with `valid_to`."""
    payload = Event.model_construct(**fields).model_dump(mode="json", include=set(fields))
    if "valid_to" in fields:
        payload["status"] = _status(fields["valid_to"], fields.get("superseded_by"))
    return payload
