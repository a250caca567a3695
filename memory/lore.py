"""World lore: documents a game uploads for a persona or a whole world, chunked into the pool.

Chunks are stored as memories of type `lore` under a reserved player id that no real player id
can take (ids start with a letter or digit), owned by the persona or by `~world:<world_id>`.
So the pool's tenant scoping, search and keyword index serve lore as they serve events, and
erasing a player never touches lore.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.conversation import Conversation
from memory.embedding import Embedder
from memory.events import Event, ScoredEvent, event_id
from memory.extraction.text import split_sentences
from memory.store.port import MemoryStore

LORE = "lore"
LORE_PLAYER = "~lore"
CHUNK_CHARS = 480  # under the event summary limit; about 120 tokens of English


def world_owner(world_id: str) -> str:
    return f"~world:{world_id}"


def lore_owners(persona_id: str, world_id: str | None) -> list[str]:
    """Whose lore a persona knows: its own, and its world's."""
    return [persona_id, *([world_owner(world_id)] if world_id else [])]


def chunk_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Paragraphs packed sentence by sentence into chunks of at most `limit` characters; a
    sentence longer than that is cut at a space."""
    chunks: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        current = ""
        for sentence in split_sentences(paragraph) or ([paragraph] if paragraph else []):
            for piece in _pieces(sentence.strip(), limit):
                joined = f"{current} {piece}".strip()
                if len(joined) <= limit:
                    current = joined
                    continue
                chunks.append(current)
                current = piece
        if current:
            chunks.append(current)
    return [c for c in chunks if c]


def _pieces(sentence: str, limit: int) -> list[str]:
    pieces = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    return [*pieces, sentence] if sentence else pieces


class LoreLibrary:
    def __init__(self, store: MemoryStore, embedder: Embedder) -> None:
        self._store = store
        self._embedder = embedder

    async def add(
        self, tenant_id: str, owner: str, document_id: str, title: str, text: str, now: datetime
    ) -> int:
        """Chunk, embed and store a document; returns the number of chunks."""
        scope = Conversation(tenant_id, owner, LORE_PLAYER)
        chunks = chunk_text(text)
        events = [
            Event(
                id=chunk_id(scope, document_id, i),
                tenant_id=tenant_id,
                persona_id=owner,
                player_id=LORE_PLAYER,
                type=LORE,
                subject=document_id,
                summary=chunk,
                valid_from=now,
                created_at=now,
                source_turns=[title[:200]],
            )
            for i, chunk in enumerate(chunks)
        ]
        for start in range(0, len(events), 64):
            batch = events[start : start + 64]
            await self._store.upsert(batch, await self._embedder.embed([e.summary for e in batch]))
        return len(events)

    async def remove(self, tenant_id: str, owner: str, document_id: str, chunks: int) -> None:
        scope = Conversation(tenant_id, owner, LORE_PLAYER)
        for i in range(chunks):
            await self._store.delete(scope, chunk_id(scope, document_id, i))

    async def search(
        self,
        tenant_id: str,
        owners: Sequence[str],
        text: str,
        vector: Sequence[float],
        k: int,
    ) -> tuple[list[ScoredEvent], list[ScoredEvent]]:
        """(nearest in meaning, sharing telling words): the k best chunks of each."""
        scope = Conversation(tenant_id, owners[0], LORE_PLAYER)
        dense = await self._store.search(scope, vector, k, with_vectors=True, personas=owners)
        keyword = await self._store.keyword_search(scope, text, k, personas=owners)
        return dense, keyword


def chunk_id(scope: Conversation, document_id: str, position: int) -> str:
    return event_id(scope.tenant_id, scope.persona_id, scope.player_id, document_id, position)
