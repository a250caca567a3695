"""One player turn: persona → log → prompt → model → log. Routes and the WebSocket call `run`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import structlog

from core.conversation import Conversation
from core.errors import InvalidInput, MemoryUnavailable, TurnInProgress
from core.language import language_of, player_language
from core.llm import ChatModel, Message, OnToken
from core.metrics import MODEL_TOKENS
from core.settings import Settings
from memory.events import EVENT_TYPES
from memory.log import ConversationLog, LogEntry, dump_result
from memory.lore import lore_owners
from memory.recall import Recalled, Recaller, RecallResult
from persona.adapters import voice_of
from persona.cache import PersonaCache
from persona.character import CharacterReader, LineReading, guidance_for
from persona.promises import PromiseBook, Settled
from persona.prompt import Guidance, build_messages, system_prompt
from persona.reflection import scripted_support, unfit_so_far
from persona.refusal_judge import RefusalJudge
from persona.relationship import RelationshipStore
from persona.review import Reviewer, Turn
from persona.schemas import LoraAdapter, Persona, Reflection
from service.errors import as_domain_error
from service.schemas import (
    Emotion,
    Promise,
    RecalledMemory,
    Timings,
    TurnPreview,
    TurnRequest,
    TurnResponse,
)
from service.turn_metrics import observe_outcome, observe_turn

log = structlog.get_logger(__name__)


@dataclass
class _Answering:
    """One turn being answered: whose, what was said, and how far it has got."""

    c: Conversation
    persona: Persona
    scope: tuple[str, ...] | None  # whose memories of the player the persona recalls
    text: str
    turn_id: str
    request: TurnRequest
    player_entry: str | None  # the logged line, once logged (a retry finds it)
    on_token: OnToken | None
    started: float
    timings: Timings


@dataclass(kw_only=True)
class TurnService:
    settings: Settings
    personas: PersonaCache
    conversation_log: ConversationLog
    model: ChatModel
    recaller: Recaller
    character: CharacterReader | None = None
    relationships: RelationshipStore | None = None
    reviewer: Reviewer | None = None
    judge: RefusalJudge | None = None
    promises: PromiseBook | None = None
    reply_adapter: LoraAdapter | None = None  # for personas that name no adapter of their own

    def validate_text(self, text: str) -> str:
        if not text.strip():
            raise InvalidInput("text is empty")
        if len(text) > self.settings.max_text_chars:
            raise InvalidInput(
                f"text is {len(text)} characters; the limit is {self.settings.max_text_chars}"
            )
        return text

    async def run(
        self, c: Conversation, request: TurnRequest, on_token: OnToken | None = None
    ) -> TurnResponse:
        try:
            response = await self._run(c, request, on_token)
        except Exception as exc:
            known = as_domain_error(exc)
            observe_outcome(known.code if known is not None else "internal")
            raise
        return response

    async def _run(
        self, c: Conversation, request: TurnRequest, on_token: OnToken | None
    ) -> TurnResponse:
        started = time.perf_counter()
        text = self.validate_text(request.text)
        timings = Timings()

        persona, scope = await self._persona(c)
        timings.persona_ms = _ms(started)

        turn_id = request.turn_id or uuid.uuid4().hex
        state = await self.conversation_log.turn_state(c, turn_id)
        if state.result is not None:
            observe_outcome("replayed")
            return TurnResponse.model_validate_json(state.result).model_copy(
                update={"replayed": True}
            )
        if not await self.conversation_log.lock_turn(c, turn_id):
            raise TurnInProgress(f"turn {turn_id!r} is being answered; retry shortly")
        log.info("turn.started", persona=c.persona_id, turn_id=turn_id, text_chars=len(text))
        try:
            return await self._answer(
                _Answering(
                    c=c,
                    persona=persona,
                    scope=scope,
                    text=text,
                    turn_id=turn_id,
                    request=request,
                    player_entry=state.player_entry,
                    on_token=on_token,
                    started=started,
                    timings=timings,
                )
            )
        finally:
            await self.conversation_log.unlock_turn(c, turn_id)

    async def preview(self, c: Conversation, request: TurnRequest) -> TurnPreview:
        """Everything a turn would decide before generating; nothing is logged or generated."""
        text = self.validate_text(request.text)
        persona, scope = await self._persona(c)
        reading = await self._read(c, persona, text)
        history = await self.conversation_log.recent(c, self.settings.history_turns)
        degraded: list[str] = []
        recall = await _without_memory(
            self._recall(c, persona, scope, text, history, reading), RecallResult(), degraded
        )
        settled = await _without_memory(self._settle(c, text, reading), None, degraded)
        guidance = await self._guidance(c, reading, settled)
        messages = build_messages(persona, history, text, [r.event for r in recall.items], guidance)
        return TurnPreview(
            degraded=degraded,
            promise=promise_of(settled),
            refused=reading is not None and reading.verdict.refused,
            refusal_reason=reading.verdict.reason if reading is not None else None,
            emotion=emotion_of(reading),
            recalled=[recalled_memory(r) for r in recall.items],
            memory_tokens=recall.tokens,
            prompt_tokens=await self.model.count_tokens(messages),
            messages=messages,
        )

    async def _recall(
        self,
        c: Conversation,
        persona: Persona,
        scope: tuple[str, ...] | None,
        text: str,
        history: Sequence[LogEntry],
        reading: LineReading | None,
        turn_id: str | None = None,
    ) -> RecallResult:
        if reading is not None and reading.verdict.refused:
            return RecallResult()  # nothing the player told us bears on a line we decline
        now = datetime.now(UTC)
        gap = timedelta(minutes=self.settings.session_gap_minutes)
        # A first line, or the first after a long pause: the NPC recalls who this player is.
        opening = self.settings.recall_profile and (
            not history or now - history[-1].created_at > gap
        )
        return await self.recaller.recall(
            c,
            text,
            now,
            scope,
            opening=opening,
            lore_owners=lore_owners(persona.id, persona.world_id),
            turn_id=turn_id,
        )

    async def _read(self, c: Conversation, persona: Persona, text: str) -> LineReading | None:
        if self.character is None:
            return None
        reading = await self.character.read(c.tenant_id, persona, text)
        threshold = persona.refusal_threshold or self.character.threshold
        if self.judge is not None and self.judge.unsure(reading.verdict, threshold):
            verdict = await self.judge.decide(persona, text, reading.verdict)
            reading = LineReading(verdict, reading.emotion)
        return reading

    async def _settle(
        self,
        c: Conversation,
        text: str,
        reading: LineReading | None,
        turn_id: str | None = None,
    ) -> Settled | None:
        """Which promise the line keeps or breaks, decided only: a turn closes it once its
        reply exists, a preview never."""
        if self.promises is None or reading is None or reading.verdict.refused:
            return None
        return await self.promises.settle(c, text, datetime.now(UTC), dry_run=True, turn_id=turn_id)

    async def _guidance(
        self, c: Conversation, reading: LineReading | None, settled: Settled | None = None
    ) -> Guidance | None:
        if reading is None:
            return None
        affinity = 0.0
        if self.relationships is not None:
            affinity = (await self.relationships.get(c)).affinity
        promise = (settled.outcome, settled.promise) if settled is not None else None
        return guidance_for(reading, affinity, promise)

    async def _generate(
        self,
        persona: Persona,
        guidance: Guidance | None,
        messages: list[Message],
        recall: RecallResult,
        text: str,
        heard: str | None,
        on_token: OnToken | None,
        timings: Timings,
    ) -> tuple[str, Reflection, int]:
        """The model's reply, through the reflection check: (reply, reflection, tokens)."""
        model = None
        adapter = voice_of(persona, self.reply_adapter, self.settings.folded_reply_adapter)
        if adapter is not None:
            model = await self.model.use_adapter(adapter.name, adapter.path)
        # A player in need of support sees no text the reflection check has not passed.
        support = guidance is not None and guidance.comfort
        held = support and self.reviewer is not None
        instructions = system_prompt(persona, guidance)
        completion = await self.model.reply(
            messages,
            None if held else on_token,
            model,
            # A reply that has spoken as an AI cannot pass: stop it and redraw at once.
            (lambda partial: unfit_so_far(partial, instructions)) if self.reviewer else None,
        )
        timings.first_token_ms = round(completion.first_token_ms, 2)
        timings.model_ms = round(completion.total_ms, 2)
        MODEL_TOKENS.labels("prompt").inc(completion.prompt_tokens)

        stage = time.perf_counter()
        reply, reflection = completion.text, Reflection()
        if self.reviewer is not None:
            turn = Turn(
                instructions=instructions,
                line=text,
                heard=heard,
                support=support,
                facts=[r.event.summary for r in recall.items if r.event.type in EVENT_TYPES],
            )
            reply, reflection = await self.reviewer.review(completion.text, messages, turn, model)
        if held and on_token is not None:
            await on_token(reply)
        timings.review_ms = _ms(stage)
        return reply, reflection, completion.completion_tokens

    async def _persona(self, c: Conversation) -> tuple[Persona, tuple[str, ...] | None]:
        """The persona, and whose memories of the player it recalls (None: its own)."""
        return await self.personas.get(c.tenant_id, c.persona_id)

    async def _answer(self, t: _Answering) -> TurnResponse:
        c, persona, text, timings = t.c, t.persona, t.text, t.timings
        stage = time.perf_counter()
        # A retry after a failed model call finds its line already logged: log it only once.
        if t.player_entry is None:
            t.player_entry = await self.conversation_log.append_player_line(
                c, text, t.turn_id, t.request.at, datetime.now(UTC), persona.extraction
            )
        history = await self.conversation_log.recent(
            c, self.settings.history_turns, before=t.player_entry
        )
        timings.log_ms = _ms(stage)

        stage = time.perf_counter()
        reading = await self._read(c, persona, text)
        timings.read_ms = _ms(stage)

        stage = time.perf_counter()
        degraded: list[str] = []
        recall = await _without_memory(
            self._recall(c, persona, t.scope, text, history, reading, t.turn_id),
            RecallResult(),
            degraded,
        )
        timings.recall_ms = _ms(stage)

        stage = time.perf_counter()
        # Only decided here: the promise closes once the reply exists, so a turn whose model
        # call fails leaves it open and the retry with the same turn_id settles it again.
        settled = await _without_memory(
            self._settle(c, text, reading, turn_id=t.turn_id), None, degraded
        )
        guidance = await self._guidance(c, reading, settled)
        messages = build_messages(persona, history, text, [r.event for r in recall.items], guidance)
        timings.prompt_ms = _ms(stage)

        heard = player_language(text, [e.text for e in history if e.role == "player"])
        comfort = guidance is not None and guidance.comfort
        language = heard or language_of(text)
        scripted = scripted_support(comfort, language, text, self.settings.scripted_support)
        if scripted is not None:
            reply, reflection, reply_tokens = scripted, Reflection(action="safe_line"), 0
            if t.on_token is not None:
                await t.on_token(reply)
        else:
            reply, reflection, reply_tokens = await self._generate(
                persona, guidance, messages, recall, text, heard, t.on_token, timings
            )
        if settled is not None and self.promises is not None:
            # Left open if the pool is gone: a later line settles the promise again.
            await _without_memory(
                self.promises.close(c, settled, datetime.now(UTC)), None, degraded
            )

        response = TurnResponse(
            turn_id=t.turn_id,
            reply=reply,
            reflection=reflection,
            refused=reading is not None and reading.verdict.refused,
            refusal_reason=reading.verdict.reason if reading is not None else None,
            emotion=emotion_of(reading),
            timings=timings,
            recalled=[recalled_memory(r) for r in recall.items],
            promise=promise_of(settled),
            degraded=degraded,
        )
        if self.relationships is not None and reading is not None and reading.emotion:
            outcome = settled.outcome if settled is not None else None
            await self.relationships.record(c, reading.emotion, outcome)
        timings.total_ms = _ms(t.started)
        await self.conversation_log.append_npc_line(
            c,
            reply,
            t.turn_id,
            t.request.at,
            datetime.now(UTC),
            dump_result(response),
            refusal=response.refusal_reason if response.refused else None,
        )
        observe_turn(response, reply_tokens)
        log.info(
            "turn.done",
            tenant=c.tenant_id,
            persona=c.persona_id,
            turn_id=t.turn_id,
            text_chars=len(text),
            reply_tokens=reply_tokens,
            total_ms=timings.total_ms,
        )
        return response


def promise_of(settled: Settled | None) -> Promise | None:
    if settled is None:
        return None
    return Promise(
        event_id=settled.event_id,
        promise=settled.promise,
        outcome=settled.outcome,
        confidence=settled.confidence,
    )


def emotion_of(reading: LineReading | None) -> Emotion | None:
    if reading is None or reading.emotion is None:
        return None
    e = reading.emotion
    return Emotion(label=e.label, intensity=e.intensity, support=e.support)


def recalled_memory(item: Recalled) -> RecalledMemory:
    e = item.event
    return RecalledMemory(
        id=e.id,
        type=e.type,
        summary=e.summary,
        score=item.score,
        relevance=item.relevance,
        signal=item.signal,
    )


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


T = TypeVar("T")


async def _without_memory(work: Awaitable[T], fallback: T, degraded: list[str]) -> T:
    """The memory pool unreachable: the turn goes on without what it would have given, and
    says so in `degraded`, rather than failing the player's turn."""
    try:
        return await work
    except MemoryUnavailable as exc:
        if "memory" not in degraded:
            degraded.append("memory")
            log.warning("turn.degraded", part="memory", error=exc.detail)
        return fallback
