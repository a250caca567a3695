"""What each answered turn adds to the operator's view (core/metrics.py)."""

from __future__ import annotations

from core.metrics import FALLBACKS, MODEL_TOKENS, RECALLED, REFUSALS, TURN_STAGE_SECONDS, TURNS
from service.schemas import TurnResponse


def observe_turn(response: TurnResponse, reply_tokens: int) -> None:
    for stage, ms in response.timings.model_dump().items():
        if ms:  # a stage the turn skipped (no model call on a scripted line) is not a 0 s one
            TURN_STAGE_SECONDS.labels(stage.removesuffix("_ms")).observe(ms / 1000)
    TURNS.labels("ok").inc()
    MODEL_TOKENS.labels("completion").inc(reply_tokens)
    if response.refused and response.refusal_reason:
        REFUSALS.labels(response.refusal_reason).inc()
    if response.reflection.action != "none":
        FALLBACKS.labels(response.reflection.action).inc()
    RECALLED.observe(len(response.recalled))


def observe_outcome(outcome: str) -> None:
    """A turn that ended otherwise than answered: replayed, or the error code it failed with."""
    TURNS.labels(outcome).inc()
