"""What an operator watches, in Prometheus format (`GET /metrics`).

One registry for the process: the gateway's turns and the in-process worker's extraction share
it. Labels are closed sets (stage names, refusal reasons, reflection actions), never ids or
text, so the number of series stays fixed whatever the players say.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

# The `_created` timestamp series double what a scrape carries and nobody charts them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)

# Milliseconds-scale stages and a model call of seconds on a CPU: buckets span both.
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

TURN_STAGE_SECONDS = Histogram(
    "npc_turn_stage_seconds",
    "Time a turn spends in each stage (persona, log, read, recall, prompt, first_token, model, "
    "review, total).",
    ["stage"],
    buckets=_SECONDS,
    registry=REGISTRY,
)
TURNS = Counter(
    "npc_turns_total",
    "Turns answered, by how they ended (ok, or the error code).",
    ["outcome"],
    registry=REGISTRY,
)
MODEL_TOKENS = Counter(
    "npc_model_tokens_total",
    "The reply model's tokens on players' turns: the prompt it read (kind=prompt) and the "
    "reply it wrote (kind=completion).",
    ["kind"],
    registry=REGISTRY,
)
REFUSALS = Counter(
    "npc_refusals_total",
    "Lines the character declined, by reason (out_of_world, attack).",
    ["reason"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "npc_reply_fallbacks_total",
    "Replies the reflection check did not pass as drawn, by what the player got instead "
    "(regenerated, flagged, repaired, replaced, safe_line).",
    ["action"],
    registry=REGISTRY,
)
RECALLED = Histogram(
    "npc_recall_items",
    "Memories put into a turn's prompt.",
    buckets=(0, 1, 2, 3, 4, 6, 8, 12),
    registry=REGISTRY,
)
EXTRACTION_LAG_SECONDS = Histogram(
    "npc_extraction_lag_seconds",
    "From a player's line being logged to its memories being written.",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
EXTRACTION_STREAM_LENGTH = Gauge(
    "npc_extraction_stream_length",
    "Entries in the extraction stream (read at scrape time).",
    registry=REGISTRY,
)
EXTRACTION_PENDING = Gauge(
    "npc_extraction_pending",
    "Entries delivered to a worker and not yet acknowledged (read at scrape time).",
    registry=REGISTRY,
)
