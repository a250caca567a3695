"""The conversation log on Redis streams, and the extraction queue beside it.

Keys (``P`` is the configured prefix):
- ``P log:{tenant}:{persona}:{player}`` — one stream per conversation, newest last.
- ``P extract`` — every player line, for the extraction worker's consumer group.
- ``P turn:{tenant}:{persona}:{player}:{turn_id}`` — what a turn_id already did (idempotency).

The player part is a Redis Cluster hash tag, so one player's keys share a slot.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from core.conversation import Conversation
from core.logging import current_request_id

if TYPE_CHECKING:
    from memory.extraction.extractor import ExtractionScope

Role = Literal["player", "npc"]
EXTRACTION_GROUP = "extractor"


class LogEntry(BaseModel):
    id: str
    role: Role
    text: str
    turn_id: str
    at: datetime | None = None
    created_at: datetime
    # On an NPC entry: why the character declined the player's line before it ("out_of_world",
    # "attack"), so later prompts never show the declined line itself.
    refusal: str | None = None


class TurnState(BaseModel):
    """What has happened for one turn_id so far."""

    player_entry: str | None = None
    result: str | None = None  # the response JSON, once the turn completed


class ConversationLog:
    def __init__(self, redis: Redis, prefix: str, state_ttl_s: int, lock_ttl_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._state_ttl_s = state_ttl_s
        self._lock_ttl_s = lock_ttl_s
        self._append_player = redis.register_script(_APPEND_PLAYER_LUA)

    @property
    def extraction_stream(self) -> str:
        return f"{self._prefix}extract"

    def _log_key(self, c: Conversation) -> str:
        return f"{self._prefix}log:{c.tenant_id}:{c.persona_id}:{{{c.player_id}}}"

    def _turn_key(self, c: Conversation, turn_id: str) -> str:
        return f"{self._prefix}turn:{c.tenant_id}:{c.persona_id}:{{{c.player_id}}}:{turn_id}"

    async def queue_depth(self) -> tuple[int, int]:
        """(entries in the extraction stream, entries delivered and not yet acknowledged)."""
        length = await self._redis.xlen(self.extraction_stream)
        try:
            pending: Any = await self._redis.xpending(self.extraction_stream, EXTRACTION_GROUP)
        except ResponseError:  # no group yet: nothing was ever delivered
            return int(length), 0
        return int(length), int(pending["pending"])

    async def ensure_extraction_group(self) -> None:
        """Create the consumer group now, so entries wait for the worker even before it runs."""
        try:
            await self._redis.xgroup_create(
                self.extraction_stream, EXTRACTION_GROUP, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def append_player_line(
        self,
        c: Conversation,
        text: str,
        turn_id: str,
        at: datetime | None,
        now: datetime,
        extraction: ExtractionScope | None = None,
    ) -> str:
        """Log the player's line, queue it for extraction and mark the turn, atomically.
        `extraction`: what the persona's memory keeps, queued with the line; the worker keeps
        all eight types of a line queued without one."""
        fields = _fields("player", text, turn_id, at, now)
        scope = {"tenant_id": c.tenant_id, "persona_id": c.persona_id, "player_id": c.player_id}
        if extraction is not None:
            scope["extraction"] = extraction.model_dump_json()
        # The worker logs its extraction of the line under the request that queued it.
        if (request_id := current_request_id()) is not None:
            scope["request_id"] = request_id
        entry = await self._append_player(
            keys=[self._log_key(c), self.extraction_stream, self._turn_key(c, turn_id)],
            args=[self._state_ttl_s, len(fields) * 2, *_flat(fields), *_flat(scope)],
        )
        return as_text(entry)

    async def append_npc_line(
        self,
        c: Conversation,
        text: str,
        turn_id: str,
        at: datetime | None,
        now: datetime,
        result_json: str,
        refusal: str | None = None,
    ) -> str:
        """Log the NPC's reply and record the turn's result, in one transaction."""
        fields = _fields("npc", text, turn_id, at, now)
        if refusal is not None:
            fields["refusal"] = refusal
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._log_key(c), fields)  # type: ignore[arg-type]
            pipe.hset(self._turn_key(c, turn_id), "result", result_json)
            pipe.expire(self._turn_key(c, turn_id), self._state_ttl_s)
            entry_id, *_ = await pipe.execute()
        return str(entry_id)

    async def turn_state(self, c: Conversation, turn_id: str) -> TurnState:
        raw: dict[bytes | str, bytes | str] = await self._redis.hgetall(self._turn_key(c, turn_id))
        return TurnState(**{as_text(k): as_text(v) for k, v in raw.items()})

    async def lock_turn(self, c: Conversation, turn_id: str) -> bool:
        key = self._turn_key(c, turn_id) + ":lock"
        return bool(await self._redis.set(key, "1", nx=True, ex=self._lock_ttl_s))

    async def unlock_turn(self, c: Conversation, turn_id: str) -> None:
        await self._redis.delete(self._turn_key(c, turn_id) + ":lock")

    async def recent(
        self, c: Conversation, count: int, before: str | None = None
    ) -> list[LogEntry]:
        """The last `count` entries (strictly before entry id `before`, if given), oldest first."""
        top = f"({before}" if before else "+"
        raw = await self._redis.xrevrange(self._log_key(c), max=top, min="-", count=count) or []
        return [_entry(entry_id, fields) for entry_id, fields in reversed(raw)]

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        """Delete the player's logs, turn records and queued lines in this tenant, all personas."""
        p, tag = self._prefix, f"{{{player_id}}}"
        deleted = await delete_matching(self._redis, f"{p}log:{tenant_id}:*:{tag}")
        deleted += await delete_matching(self._redis, f"{p}turn:{tenant_id}:*:{tag}:*")
        # Lines still waiting for extraction would otherwise bring the facts back.
        last = "-"
        while True:
            chunk: Any = await self._redis.xrange(
                self.extraction_stream, min=last, max="+", count=500
            )
            if not chunk:
                break
            doomed = [
                entry_id
                for entry_id, fields in chunk
                if (as_text(fields[b"tenant_id"]), as_text(fields[b"player_id"]))
                == (tenant_id, player_id)
            ]
            if doomed:
                deleted += await self._redis.xdel(self.extraction_stream, *doomed)
            if len(chunk) < 500:
                break
            last = f"({as_text(chunk[-1][0])}"
        return deleted

    async def read(self, c: Conversation, limit: int, after: str | None = None) -> list[LogEntry]:
        """Entries oldest first, starting after entry id `after` (for paging forwards)."""
        low = f"({after}" if after else "-"
        raw = await self._redis.xrange(self._log_key(c), min=low, max="+", count=limit) or []
        return [_entry(entry_id, fields) for entry_id, fields in raw]


# One script, so a player line is never logged without being queued for extraction (or the
# other way round). The extraction entry carries the log entry id: the worker reads the lines
# before it as context.
_APPEND_PLAYER_LUA = """
local n = tonumber(ARGV[2])
local log_fields = {}
for i = 3, 2 + n do log_fields[#log_fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(log_fields))
local queued = {}
for i = 3, #ARGV do queued[#queued + 1] = ARGV[i] end
queued[#queued + 1] = 'log_entry'
queued[#queued + 1] = id
redis.call('XADD', KEYS[2], '*', unpack(queued))
redis.call('HSET', KEYS[3], 'player_entry', id)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[1]))
return id
"""


async def delete_matching(redis: Redis, pattern: str) -> int:
    """Delete every key matching `pattern` (SCAN, never KEYS); returns how many."""
    deleted = 0
    async for key in redis.scan_iter(match=pattern, count=500):
        deleted += await redis.delete(key)
    return deleted


def _flat(fields: dict[str, str]) -> list[str]:
    return [part for pair in fields.items() for part in pair]


def as_text(value: bytes | str) -> str:
    """Redis replies arrive as bytes (the clients do not decode); field values as str."""
    return value.decode() if isinstance(value, bytes) else value


def _fields(
    role: Role, text: str, turn_id: str, at: datetime | None, now: datetime
) -> dict[str, str]:
    fields = {"role": role, "text": text, "turn_id": turn_id, "created_at": now.isoformat()}
    if at is not None:
        fields["at"] = at.isoformat()
    return fields


def _entry(entry_id: bytes | str | None, fields: dict[bytes | str, bytes | str] | None) -> LogEntry:
    data = {as_text(k): as_text(v) for k, v in (fields or {}).items()}
    return LogEntry.model_validate({"id": as_text(entry_id or ""), **data})


def dump_result(result: BaseModel) -> str:
    return json.dumps(result.model_dump(mode="json"))
