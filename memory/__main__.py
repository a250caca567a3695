"""`python -m memory`: one consumer of the extraction group, until SIGTERM or SIGINT.

`python -m memory --healthy` exits 0 while the worker of this container polls the queue (its
NPC_WORKER_HEARTBEAT_FILE is fresh): the stack's health check for worker replicas.

Several replicas share the group in the stack. It needs Redis and the memory pool, nothing
else: each queued line carries its persona's extraction settings.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time

from redis.asyncio import Redis

from core.logging import configure_logging
from core.settings import Settings
from memory.log import ConversationLog
from memory.wiring import build_memory, make_worker


async def serve(stop: asyncio.Event, settings: Settings) -> None:
    if settings.redis_url is None:
        raise SystemExit("set NPC_REDIS_URL: a stand-alone worker joins a shared Redis")
    redis = Redis.from_url(settings.redis_url)
    conversation_log = ConversationLog(
        redis, settings.redis_prefix, settings.turn_result_ttl_s, settings.turn_lock_ttl_s
    )
    memory = await build_memory(settings, settings.llm_base_url or "http://127.0.0.1:8000/v1")
    try:
        await make_worker(settings, redis, conversation_log, memory).run(stop)
    finally:
        await memory.store.close()
        await redis.aclose()


# A poll blocks for at most a second (WorkerConfig.block_ms) and maintenance takes seconds:
# a minute without a beat is a stuck or dead loop.
HEARTBEAT_STALE_S = 60.0


def healthy(settings: Settings) -> bool:
    beat = settings.worker_heartbeat_file
    if beat is None or not beat.exists():
        return False
    return time.time() - beat.stat().st_mtime < HEARTBEAT_STALE_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--healthy", action="store_true", help="check the heartbeat and exit")
    args = parser.parse_args()
    settings = Settings()
    if args.healthy:
        sys.exit(0 if healthy(settings) else 1)
    configure_logging(settings.log_level, settings.log_format)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(stop, settings)

    asyncio.run(run())


if __name__ == "__main__":
    main()
