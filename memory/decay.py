"""Decay and expiry by type, applied by a periodic job of the worker.

Plans end the day after their date (kept, marked expired). Importance fades with a half-life per
type into `weight`, which recall ranks by; health and identity never fade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from core.conversation import Conversation
from memory.events import Event
from memory.store.port import MemoryStore

log = structlog.get_logger(__name__)

# Days until an event weighs half its importance; None never decays.
DEFAULT_HALF_LIVES: dict[str, float | None] = {
    "identity": None,
    "health": None,
    "relationship": 365.0,
    "preference": 180.0,
    "commitment": 60.0,
    "plan": 30.0,
    "experience": 90.0,
    "emotion": 7.0,
}
_MIN_CHANGE = 0.05  # smaller drifts are not worth a write


def decayed_weight(event: Event, now: datetime, half_lives: dict[str, float | None]) -> float:
    half_life = half_lives.get(event.type, DEFAULT_HALF_LIVES.get(event.type))
    if half_life is None:
        return float(event.importance)
    age_days = max(0.0, (now - event.valid_from).total_seconds() / 86_400)
    return round(float(event.importance * 0.5 ** (age_days / half_life)), 3)


@dataclass
class MaintenanceReport:
    scanned: int = 0
    expired: int = 0
    reweighted: int = 0


async def run_maintenance(
    store: MemoryStore, now: datetime, half_lives: dict[str, float | None] | None = None
) -> MaintenanceReport:
    half_lives = DEFAULT_HALF_LIVES | (half_lives or {})
    report = MaintenanceReport()
    offset: str | None = None
    while True:
        events, offset = await store.scan_current(offset)
        for event in events:
            report.scanned += 1
            scope = Conversation(event.tenant_id, event.persona_id, event.player_id)
            if event.expires_at is not None and event.expires_at <= now:
                await store.patch(
                    scope, event.id, {"valid_to": event.expires_at, "superseded_by": None}
                )
                report.expired += 1
                continue
            weight = decayed_weight(event, now, half_lives)
            if event.weight is None or abs(event.weight - weight) >= _MIN_CHANGE:
                await store.patch(scope, event.id, {"weight": weight})
                report.reweighted += 1
        if offset is None:
            break
    log.info(
        "maintenance.done",
        scanned=report.scanned,
        expired=report.expired,
        reweighted=report.reweighted,
    )
    return report
