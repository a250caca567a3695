"""The extraction worker: a consumer in the `extractor` group on the turns stream.

At-least-once: an entry is acknowledged only after its events are in the pool; entries a dead
consumer left pending are claimed with XAUTOCLAIM. Event ids are deterministic, so an entry
processed twice writes nothing twice. Runs inside the embedded process, or on its own:
`python -m memory` (several replicas share the group in the stack).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.conversation import Conversation
from core.metrics import EXTRACTION_LAG_SECONDS
from memory.decay import MaintenanceReport, run_maintenance
from memory.extraction.extractor import (
    Candidate,
    ExtractionInput,
    ExtractionScope,
    Extractor,
    HistoryLine,
)
from memory.extraction.resolver import Resolver
from memory.hierarchy import Hierarchy
from memory.log import EXTRACTION_GROUP, ConversationLog, as_text
from memory.preferences.learner import PreferenceLearner
from memory.store.port import MemoryStore

log = structlog.get_logger(__name__)


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class WorkerConfig:
    consumer: str
    batch_size: int = 64
    block_ms: int = 500
    claim_idle_ms: int = 30_000
    history_lines: int = 4
    maintenance_interval_s: float = 3600.0
    half_lives: dict[str, float | None] | None = None
    heartbeat: Path | None = None


class ExtractionWorker:
    def __init__(
        self,
        redis: Redis,
        conversation_log: ConversationLog,
        extractor: Extractor,
        resolver: Resolver,
        store: MemoryStore,
        config: WorkerConfig,
        hierarchy: Hierarchy | None = None,
        learner: PreferenceLearner | None = None,
    ) -> None:
        self._hierarchy = hierarchy
        self._learner = learner
        self._store = store
        self._next_maintenance = 0.0
        self._redis = redis
        self._log = conversation_log
        self._extractor = extractor
        self._resolver = resolver
        self._config = config
        self._stream = conversation_log.extraction_stream

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker.started", consumer=self._config.consumer)
        backoff = 0.5
        group_ready = False
        while not stop.is_set():
            try:
                if not group_ready:
                    await self._log.ensure_extraction_group()
                    group_ready = True
                await self.poll_once()
                await self.maintain_if_due()
                if self._config.heartbeat is not None:
                    self._config.heartbeat.touch()
                backoff = 0.5
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("worker.redis_unavailable", error=str(exc), retry_in_s=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 15.0)
            except Exception:
                # Entries stay pending and are claimed again later; keep the loop alive.
                log.exception("worker.poll_failed")
                await _sleep_or_stop(stop, 1.0)
        log.info("worker.stopped", consumer=self._config.consumer)

    async def poll_once(self) -> int:
        """Claim stale entries, read new ones, process them per player; return how many."""
        claim: Any = await self._redis.xautoclaim(
            self._stream,
            EXTRACTION_GROUP,
            self._config.consumer,
            min_idle_time=self._config.claim_idle_ms,
            start_id="0-0",
            count=self._config.batch_size,
        )
        # Entries deleted from the stream come back with no fields: nothing to do for them.
        entries: list[Any] = [e for e in claim[1] if e[1]]
        if not entries:
            read: Any = await self._redis.xreadgroup(
                EXTRACTION_GROUP,
                self._config.consumer,
                {self._stream: ">"},
                count=self._config.batch_size,
                block=self._config.block_ms,
            )
            entries = [e for _, batch in read for e in batch]
        by_player: dict[Conversation, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        for entry_id, raw in entries:
            fields = {as_text(k): as_text(v) for k, v in raw.items()}
            c = Conversation(fields["tenant_id"], fields["persona_id"], fields["player_id"])
            by_player[c].append((as_text(entry_id), fields))
        for c, batch in by_player.items():
            changed: list[str] = []
            for _, fields in batch:
                traced = {"request_id": fields["request_id"]} if "request_id" in fields else {}
                with structlog.contextvars.bound_contextvars(**traced):
                    changed += await self.process(c, fields)
            if self._hierarchy is not None and changed:
                # Before the ack: a crash here replays the batch, which refreshes again.
                await self._hierarchy.refresh(c, datetime.now(UTC), changed)
            ids = [e for e, _ in batch]
            # Done with: acknowledged and dropped, so the stream holds only the backlog and
            # does not grow with every line ever said (the log keeps the lines themselves).
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xack(self._stream, EXTRACTION_GROUP, *ids)
                pipe.xdel(self._stream, *ids)
                await pipe.execute()
            done = datetime.now(UTC)
            for _, fields in batch:
                logged = datetime.fromisoformat(fields["created_at"])
                EXTRACTION_LAG_SECONDS.observe(max(0.0, (done - logged).total_seconds()))
        return len(entries)

    async def maintain_if_due(self) -> MaintenanceReport | None:
        """Expire and decay, at most once per interval across all workers of the group."""
        now = time.monotonic()
        if now < self._next_maintenance:
            return None
        self._next_maintenance = now + self._config.maintenance_interval_s
        interval_ms = max(1, int(self._config.maintenance_interval_s * 1000))
        lock = f"{self._stream}:maintenance"
        if not await self._redis.set(lock, self._config.consumer, nx=True, px=interval_ms):
            return None
        return await run_maintenance(self._store, datetime.now(UTC), self._config.half_lives)

    async def process(self, c: Conversation, fields: dict[str, str]) -> list[str]:
        """Extract and resolve one player line; the pool holds the result when this returns.
        Returns the ids of the events written, superseded or ended."""
        history = await self._log.recent(c, self._config.history_lines, before=fields["log_entry"])
        taken = None
        if self._learner is not None:
            taken = await self._learner.take(
                c, fields["turn_id"], fields["text"], history, datetime.now(UTC)
            )
        at = datetime.fromisoformat(fields.get("at") or fields["created_at"])
        item = ExtractionInput(
            text=fields["text"],
            history=[HistoryLine(role=h.role, text=h.text) for h in history],
            at=at,
        )
        if extraction := fields.get("extraction"):
            scope = ExtractionScope.model_validate_json(extraction)
            item.types, item.custom_types = scope.types, scope.custom_types
        candidates: list[Candidate] = []
        if taken is None:
            candidates = await self._extractor.extract(item)
        elif taken.extract:
            # The player narrows what the persona keeps (the bias is never above 0 and a fact
            # of a blocked kind is dropped whole), never widens it.
            item.bias = taken.leaning.extraction_bias()
            found = await self._extractor.extract(item)
            candidates = taken.leaning.reweigh(found, biased=self._extractor.reads_bias)
        decisions = await self._resolver.apply(c, fields["turn_id"], candidates, datetime.now(UTC))
        log.info(
            "worker.extracted",
            tenant=c.tenant_id,
            persona=c.persona_id,
            turn_id=fields["turn_id"],
            actions=[d.action for d in decisions],
        )
        changed = [
            i for d in decisions if d.action != "none" for i in (d.event.id, d.replaces) if i
        ]
        if taken is not None:
            changed += taken.ended + taken.raised
        return changed


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
