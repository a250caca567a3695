"""Reading a player's line for what it says about their memory, before it is extracted.

The worker hands every player line here first. A command ("forget that I told you about my
illness") is carried out on the pool (the events it names end, kept and marked, no longer
listed or recalled) and moves the player's leaning; it yields no fact itself. A reply to a
memory the character brought up (the previous turn recalled it and the reply spoke of it) is an
implicit signal: brushed off, that kind is kept less readily; taken up, more.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import structlog
from numpy.typing import NDArray
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from core.conversation import Conversation
from memory.embedding import unit_rows
from memory.events import Event
from memory.extraction.extractor import types_of
from memory.features import Featurize, multilingual
from memory.hierarchy import DERIVED_TYPES
from memory.log import ConversationLog, LogEntry, delete_matching
from memory.preferences import leaning as rules
from memory.preferences.commands import Command, CommandReader
from memory.preferences.leaning import Leaning
from memory.store.port import MemoryStore

log = structlog.get_logger(__name__)
Matrix = NDArray[np.float32]

# e5 cosines, measured on the simulated players (tests/data/preference_players.json): a reply
# that brings a memory up sits above BROUGHT_UP with it; a player's answer that takes it up sits
# above TAKEN_UP.
BROUGHT_UP = 0.86
TAKEN_UP = 0.87
# Events of one kind within this cosine of the best match go with it ("forget my illness":
# the diagnosis and the symptom notes of the same line).
SAME_ITEM_MARGIN = 0.02


@dataclass
class Taken:
    """What a line did to the player's memory before extraction."""

    leaning: Leaning
    command: Command
    extract: bool  # False for a command: "forget that I told you about X" is not a fact
    ended: list[str] = field(default_factory=list)  # events forgotten or no longer true
    raised: list[str] = field(default_factory=list)  # events the player asked to keep


class LeaningStore:
    """The leanings in Redis, beside the conversation logs, under the player's hash tag."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, c: Conversation) -> str:
        return f"{self._prefix}leaning:{c.tenant_id}:{c.persona_id}:{{{c.player_id}}}"

    async def get(self, c: Conversation) -> Leaning:
        raw = await self._redis.get(self._key(c))
        return Leaning() if raw is None else Leaning.model_validate_json(raw)

    async def update(self, c: Conversation, change: Callable[[Leaning], None]) -> Leaning:
        """Read, change and write back atomically (the worker and a game server's delete may
        move the same player's leaning at once): retried while another writer got in first."""
        key = self._key(c)
        changed = Leaning()

        async def step(pipe: Pipeline) -> None:
            nonlocal changed
            raw = await pipe.get(key)
            changed = Leaning() if raw is None else Leaning.model_validate_json(raw)
            change(changed)
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, changed.model_dump_json())

        await self._redis.transaction(step, key)
        return changed

    async def reset(self, c: Conversation) -> bool:
        return bool(await self._redis.delete(self._key(c)))

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        return await delete_matching(
            self._redis, f"{self._prefix}leaning:{tenant_id}:*:{{{player_id}}}"
        )


def targets(
    command: Command,
    line: Matrix,
    events: Sequence[tuple[Event, Matrix]],
    last_turn: str | None,
    brought_up: Sequence[str],
) -> list[Event]:
    """The events a command is about. `line` and each event's vector: unit e5 rows.

    A kind named as a whole ("my health stuff"): every current event of it. One thing of a
    kind ("that I told you about my illness"): the event of that kind nearest the line, with
    its near ties. Nothing named ("forget that", "that's not true anymore"): what the player
    said last, or what the character just brought up; "not true anymore" answers the
    character first."""
    if command.target is not None:
        kind = [(e, v) for e, v in events if command.target in types_of(e)]
        if command.whole_kind or not kind:
            return [e for e, _ in kind]
        scores = np.array([float(v @ line) for _, v in kind])
        best = float(scores.max())
        return [e for (e, _), s in zip(kind, scores, strict=True) if s >= best - SAME_ITEM_MARGIN]
    said = [e for e, _ in events if last_turn is not None and last_turn in e.source_turns]
    recalled = [e for e, _ in events if e.id in brought_up]
    first, then = (recalled, said) if command.intent == "outdated" else (said, recalled)
    return first or then


async def deleted_by_game(leanings: LeaningStore, c: Conversation, event: Event) -> None:
    """A game server forgot an event: its kind is kept a little less readily for this player."""
    await leanings.update(c, lambda stored: stored.nudge(types_of(event), rules.DELETED_BY_GAME))


def brought_up_by(reply: Matrix, recalled: Sequence[tuple[str, Matrix]]) -> list[str]:
    """The recalled memories the character's reply spoke of: the nearest one, where near."""
    if not recalled:
        return []
    scores = [float(v @ reply) for _, v in recalled]
    best = int(np.argmax(scores))
    return [recalled[best][0]] if scores[best] >= BROUGHT_UP else []


def learn(
    leaning: Leaning,
    command: Command,
    found: Sequence[Event],
    reaction: Sequence[Event],
    taken_up: bool,
) -> None:
    """Move the leaning by one line: a command about `found`, or a reaction to `reaction`."""
    kinds = {k for e in found for k in types_of(e)}
    if command.intent == "forget":
        if command.target is not None:
            leaning.block(command.target)
        elif kinds:
            leaning.nudge(kinds, rules.FORGOT_ONE)
    elif command.intent == "remember":
        if command.target is not None:
            leaning.unblock(command.target)
            leaning.weigh([command.target], 1.0)
        elif kinds:
            leaning.nudge(kinds, rules.REMEMBER)
            leaning.weigh(kinds, 1.0)
    elif command.intent == "brush_off" and reaction:
        leaning.nudge({k for e in reaction for k in types_of(e)}, rules.BRUSH_OFF)
    elif command.intent == "none" and reaction and taken_up:
        leaning.nudge({k for e in reaction for k in types_of(e)}, rules.ENGAGED)


class PreferenceLearner:
    def __init__(
        self,
        store: MemoryStore,
        leanings: LeaningStore,
        conversation_log: ConversationLog,
        reader: CommandReader,
        featurize: Featurize,
    ) -> None:
        self._store = store
        self._leanings = leanings
        self._log = conversation_log
        self._reader = reader
        self._featurize = featurize

    async def take(
        self, c: Conversation, turn_id: str, text: str, history: Sequence[LogEntry], now: datetime
    ) -> Taken:
        leaning = await self._leanings.get(c)
        reply = history[-1] if history and history[-1].role == "npc" else None
        recalled = await self._recalled(c, reply)
        texts = [text, *([reply.text] if reply else []), *(e.summary for e in recalled)]
        rows = await asyncio.to_thread(self._featurize, texts)
        command = self._reader.read(rows[0])
        e5 = unit_rows(np.asarray(rows, dtype=np.float32)[:, self._featurize.english_dim :])
        line, memories = e5[0], e5[len(texts) - len(recalled) :]
        pairs = [(e.id, v) for e, v in zip(recalled, memories, strict=True)]
        brought = brought_up_by(e5[1], pairs) if pairs else []
        reaction = [e for e in recalled if e.id in brought]
        taken_up = any(
            float(v @ line) >= TAKEN_UP
            for e, v in zip(recalled, memories, strict=True)
            if e.id in brought
        )
        # "Remember this: my mother is Ana" holds a fact; the other commands hold none.
        extract = command.intent in ("none", "remember")
        if leaning.already_applied(turn_id):  # a replayed stream entry: done once already
            return Taken(leaning, command, extract=extract)
        taken = Taken(leaning, command, extract=extract)
        found: list[Event] = []
        if command.intent in ("forget", "outdated", "remember"):
            found = await self._found(c, command, line, history, brought)
            await self._carry_out(c, command, found, turn_id, now, taken)

        def change(stored: Leaning) -> None:
            learn(stored, command, found, reaction, taken_up)
            stored.mark_applied(turn_id)

        taken.leaning = await self._leanings.update(c, change)
        if command.is_command or reaction:
            log.info(
                "preferences.line",
                tenant=c.tenant_id,
                persona=c.persona_id,
                intent=command.intent,
                target=command.target,
                ended=len(taken.ended),
                raised=len(taken.raised),
                reaction=[e.type for e in reaction],
            )
        return taken

    async def _recalled(self, c: Conversation, reply: LogEntry | None) -> list[Event]:
        """The current memories the previous turn recalled, from its recorded result."""
        if reply is None:
            return []
        result = (await self._log.turn_state(c, reply.turn_id)).result
        if not result:
            return []
        ids = [r["id"] for r in json.loads(result).get("recalled", []) if "id" in r]
        stored = await self._store.get_with_vectors(c, ids) if ids else []
        return [e for e, _ in stored if e.current and e.type not in DERIVED_TYPES]

    async def _found(
        self,
        c: Conversation,
        command: Command,
        line: Matrix,
        history: Sequence[LogEntry],
        brought: list[str],
    ) -> list[Event]:
        events = [e for e in await self._store.list_events(c) if e.type not in DERIVED_TYPES]
        if command.target is not None:
            events = [e for e in events if command.target in types_of(e)]
        if not events:
            return []
        vectors = await asyncio.to_thread(
            multilingual, self._featurize, [e.summary for e in events]
        )
        last_player = next((h.turn_id for h in reversed(history) if h.role == "player"), None)
        return targets(command, line, list(zip(events, vectors, strict=True)), last_player, brought)

    async def _carry_out(
        self,
        c: Conversation,
        command: Command,
        found: list[Event],
        turn_id: str,
        now: datetime,
        taken: Taken,
    ) -> None:
        for event in found:
            if command.intent == "remember":
                await self._store.patch(c, event.id, {"importance": max(event.importance, 9)})
                taken.raised.append(event.id)
            else:
                # Ended by the player's own line, kept as a superseded event is: the line's
                # turn stands where a newer event's id would.
                await self._store.patch(
                    c, event.id, {"valid_to": now, "superseded_by": f"turn:{turn_id}"}
                )
                taken.ended.append(event.id)
