"""The FastAPI application: clients are created once, in the lifespan, and closed with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import make_engine, make_sessionmaker, migrate
from core.llm import ChatModel
from core.settings import Settings
from memory.embedding import shared_minilm
from memory.features import shared_featurizer
from memory.log import ConversationLog
from memory.preferences.learner import LeaningStore
from memory.wiring import Memory, build_memory, make_worker
from persona.adapters import reply_adapter
from persona.cache import PersonaCache
from persona.character import CharacterReader
from persona.commitment import shipped_judge as shipped_commitments
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.promises import PromiseBook
from persona.reflection import ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from persona.refusal_judge import RefusalJudge
from persona.relationship import RelationshipStore
from persona.review import Reviewer
from service.api_document import install_document, operation_id
from service.body_limit import BodyLimit
from service.bootstrap import bootstrap_dev_tenant
from service.erasure import PlayerEraser
from service.errors import install_error_handlers
from service.ratelimit import TenantRateLimiter
from service.redis_embedded import EmbeddedRedis
from service.request_id import install_request_ids
from service.routes import cards, health, metrics, personas, turns, ws
from service.routes import lore as lore_routes
from service.routes import memory as memory_routes
from service.routes import preferences as preferences_routes
from service.routes import relationship as relationship_routes
from service.routes.playground import install_playground
from service.runtime.server import VLLMServer
from service.turn import TurnService

log = structlog.get_logger(__name__)


@dataclass
class Services:
    """Everything the routes need, built once per process."""

    settings: Settings
    redis: Redis
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    conversation_log: ConversationLog
    model: ChatModel
    turns: TurnService
    memory: Memory
    rate_limiter: TenantRateLimiter
    relationships: RelationshipStore
    eraser: PlayerEraser
    leanings: LeaningStore


def character_reader(settings: Settings) -> CharacterReader | None:
    """The refusal gate and emotion reader (shipped artefacts), unless switched off."""
    if not settings.character_reading:
        return None
    return CharacterReader(shared_featurizer(), shipped_gate(), shipped_reader())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedded_redis: EmbeddedRedis | None = None
    vllm: VLLMServer | None = None
    memory: Memory | None = None
    stop_worker = asyncio.Event()
    worker_task: asyncio.Task[None] | None = None
    try:
        if settings.redis_url is None:
            embedded_redis = EmbeddedRedis(settings.data_dir / "redis")
        redis = Redis.from_url(
            settings.redis_url or embedded_redis.url,  # type: ignore[union-attr]
            socket_timeout=settings.redis_timeout_s,
            socket_connect_timeout=settings.redis_timeout_s,
        )
        engine = make_engine(settings.resolved_database_url, settings.database_schema)
        if settings.migrate_on_start:
            await migrate(engine)
        sessions = make_sessionmaker(engine)
        # The playground offers the dev key to a browser on this machine (routes/playground.py).
        app.state.dev_key = (
            await bootstrap_dev_tenant(settings, sessions)
            if settings.bootstrap_dev_tenant
            else None
        )

        base_url = settings.llm_base_url
        if base_url is None:
            from service.runtime.local import prepare

            vllm = await asyncio.to_thread(prepare, settings)
            base_url = await asyncio.to_thread(vllm.start, settings.vllm_start_timeout_s)
        model = ChatModel(settings, base_url)

        conversation_log = ConversationLog(
            redis, settings.redis_prefix, settings.turn_result_ttl_s, settings.turn_lock_ttl_s
        )
        try:
            await conversation_log.ensure_extraction_group()
        except Exception as exc:  # Redis down at start: readiness reports it, turns answer 503.
            log.warning("redis.unavailable_at_start", error=str(exc))
        memory = await build_memory(settings, base_url)
        if settings.run_worker:
            worker = make_worker(
                settings,
                redis,
                conversation_log,
                memory,
            )
            worker_task = asyncio.create_task(worker.run(stop_worker), name="extraction-worker")
        relationships = RelationshipStore(redis, settings.redis_prefix)
        leanings = LeaningStore(redis, settings.redis_prefix)
        character = character_reader(settings)
        app.state.services = Services(
            settings=settings,
            redis=redis,
            engine=engine,
            sessions=sessions,
            conversation_log=conversation_log,
            model=model,
            turns=TurnService(
                settings=settings,
                personas=PersonaCache(sessions, settings.persona_cache_s),
                conversation_log=conversation_log,
                model=model,
                recaller=memory.recaller,
                character=character,
                relationships=relationships,
                reviewer=Reviewer(
                    ReflectionCheck(
                        cheer=character.cheer if character is not None else None,
                        embed=shared_minilm().embed_sync,
                        heads=ReflectionHeads.load(),
                        featurize=shared_featurizer(),
                    ),
                    model,
                    settings.reflection_candidates,
                    settings.reflection_budget_s,
                )
                if settings.reflection_check
                else None,
                judge=RefusalJudge(model.client, settings.llm_model)
                if settings.refusal_judge == "gate+model"
                else None,
                promises=PromiseBook(
                    shipped_commitments(), shared_featurizer(), memory.store, memory.hierarchy
                )
                if character is not None
                else None,
                reply_adapter=reply_adapter(settings),
            ),
            memory=memory,
            relationships=relationships,
            rate_limiter=TenantRateLimiter(
                redis, settings.redis_prefix, settings.rate_limit_per_minute
            ),
            eraser=PlayerEraser(conversation_log, memory.store, relationships, leanings),
            leanings=leanings,
        )
        log.info("service.ready", llm=base_url, sql=engine.url.render_as_string())
        yield
        stop_worker.set()
        if worker_task is not None:
            await worker_task
        await model.close()
        await redis.aclose()
        await engine.dispose()
    finally:
        if worker_task is not None and not worker_task.done():
            worker_task.cancel()
        if memory is not None:
            await memory.store.close()
        if vllm is not None:
            await asyncio.to_thread(vllm.stop)
        if embedded_redis is not None:
            embedded_redis.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="NPC dialogue service",
        version="0.1.0",
        summary="Game characters that remember, stay in character and care.",
        lifespan=_lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings or Settings()
    app.state.dev_key = None
    # Innermost of the three: a body over the limit is refused before a route reads it, and
    # the refusal still carries its request id.
    app.add_middleware(
        BodyLimit,
        max_bytes=app.state.settings.max_body_bytes,
        card_max_bytes=app.state.settings.max_card_bytes,
    )
    install_error_handlers(app)
    install_request_ids(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(cards.router)
    app.include_router(personas.router)
    app.include_router(turns.router)
    app.include_router(ws.router)
    app.include_router(memory_routes.router)
    app.include_router(lore_routes.router)
    app.include_router(relationship_routes.router)
    app.include_router(preferences_routes.router)
    install_playground(app)
    install_document(app)
    return app
