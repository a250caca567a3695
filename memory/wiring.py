"""Builds the memory side from settings: embedder, pool, extractor, resolver, worker."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from openai import AsyncOpenAI
from redis.asyncio import Redis

from core.settings import Settings
from memory.bearing import BearingJudge
from memory.embedding import Embedder, OpenAIEmbedder, shared_minilm
from memory.extraction.classifier import Featurizer, Heads
from memory.extraction.extractor import ClassifierExtractor, Extractor, LLMExtractor
from memory.extraction.resolver import Resolver
from memory.extraction.summarizer import SummarizerExtractor, shipped_adapter
from memory.facts import Facts
from memory.features import NoteEmbedder, shared_featurizer
from memory.hierarchy import Hierarchy
from memory.log import ConversationLog
from memory.preferences.commands import shipped_reader
from memory.preferences.learner import LeaningStore, PreferenceLearner
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from memory.store.port import MemoryStore
from memory.store.qdrant import QdrantMemoryStore
from memory.supersede import SupersedeJudge
from memory.worker import ExtractionWorker, WorkerConfig, default_consumer_name


@dataclass
class Memory:
    embedder: Embedder
    notes: NoteEmbedder  # what every write embeds a note with (the embedder's vector and e5)
    store: MemoryStore
    extractor: Extractor
    resolver: Resolver
    recaller: Recaller
    hierarchy: Hierarchy

    @property
    def facts(self) -> Facts:
        """Writing and forgetting facts directly (the game server's own)."""
        return Facts(self.store, self.notes, self.hierarchy)


@cache
def _classifier_extractor() -> ClassifierExtractor:
    return ClassifierExtractor(Featurizer(shared_minilm()), Heads.load())


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedding_base_url:
        return OpenAIEmbedder(
            settings.embedding_base_url, settings.embedding_model, settings.embedding_dim
        )
    return shared_minilm()


async def make_store(settings: Settings, dim: int) -> MemoryStore:
    if settings.memory_store == "qdrant":
        return await QdrantMemoryStore.connect(
            settings.qdrant_location, settings.qdrant_collection, dim
        )
    return EdgeMemoryStore(settings.memory_dir / "edge", dim)


def make_extractor(settings: Settings, llm_base_url: str) -> Extractor:
    if settings.extractor == "classifier":
        return _classifier_extractor()
    client = AsyncOpenAI(
        base_url=llm_base_url, api_key=settings.llm_api_key.get_secret_value(), max_retries=1
    )
    if settings.extractor == "llm":
        return LLMExtractor(client, settings.llm_model)
    adapter = shipped_adapter()
    if adapter is None:
        raise ValueError("NPC_EXTRACTOR=summarizer: no adapter; run `make train-summarizer`")
    return SummarizerExtractor(_classifier_extractor(), client, adapter.name, adapter.path)


def bearing_judge(settings: Settings) -> BearingJudge | None:
    """Trained from tests/data by `make train-recall` and shipped; without it recall falls back
    to similarity and standing facts."""
    judge = BearingJudge.load()
    if judge is not None and not settings.recall_multilingual:
        return judge.minilm_only()
    return judge


async def build_memory(settings: Settings, llm_base_url: str) -> Memory:
    embedder = make_embedder(settings)
    store = await make_store(settings, embedder.dim)
    judge = bearing_judge(settings)
    notes = NoteEmbedder(
        embedder,
        shared_featurizer() if judge is not None and judge.reads_e5 else None,
        dense_in_features=embedder is shared_minilm(),
    )
    return Memory(
        embedder=embedder,
        notes=notes,
        store=store,
        extractor=make_extractor(settings, llm_base_url),
        resolver=Resolver(store, notes, SupersedeJudge.load(), shared_featurizer()),
        hierarchy=Hierarchy(store, notes),
        recaller=Recaller(
            store,
            embedder,
            RecallConfig(budget_tokens=settings.recall_budget_tokens),
            judge,
            shared_featurizer(),
            dense_in_features=embedder is shared_minilm(),
        ),
    )


def make_learner(
    settings: Settings, redis: Redis, conversation_log: ConversationLog, memory: Memory
) -> PreferenceLearner | None:
    """The per-player preference learner, where it is on and its reader was trained."""
    reader = shipped_reader()
    if not settings.player_preferences or reader is None:
        return None
    return PreferenceLearner(
        memory.store,
        LeaningStore(redis, settings.redis_prefix),
        conversation_log,
        reader,
        shared_featurizer(),
    )


def make_worker(
    settings: Settings,
    redis: Redis,
    conversation_log: ConversationLog,
    memory: Memory,
    consumer: str | None = None,
) -> ExtractionWorker:
    return ExtractionWorker(
        redis,
        conversation_log,
        memory.extractor,
        memory.resolver,
        memory.store,
        WorkerConfig(
            consumer=consumer or settings.worker_consumer or default_consumer_name(),
            claim_idle_ms=settings.worker_claim_idle_ms,
            maintenance_interval_s=settings.decay_interval_s,
            half_lives=settings.decay_half_lives_days,
            heartbeat=settings.worker_heartbeat_file,
        ),
        memory.hierarchy,
        make_learner(settings, redis, conversation_log, memory),
    )
