"""How a persona and a player stand: affinity, and the player's mood over recent turns.

Kept in a Redis hash per (tenant, persona, player), updated once per answered turn from the
emotion reading, erased with the player. Affinity runs from -100 to 100 and starts at 0:
thanks and warmth raise it, hostility lowers it. The mood is an exponential average of the
valence of the player's lines, so one cheerful line does not erase a week of sad ones.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from core.conversation import Conversation
from memory.log import as_text, delete_matching
from persona.emotion import Reading

# How pleasant each emotion is, -1..1.
VALENCE = {
    "joy": 0.8,
    "gratitude": 0.9,
    "surprise": 0.2,
    "neutral": 0.0,
    "anxiety": -0.5,
    "fear": -0.5,
    "sadness": -0.7,
    "loneliness": -0.6,
    "disgust": -0.6,
    "anger": -0.8,
}
# Affinity points per turn at full intensity. Anger and disgust may be about someone else
# ("my boss is awful"); they cost less than gratitude earns.
AFFINITY = {"gratitude": 4.0, "joy": 1.0, "anger": -2.0, "disgust": -1.5}
# Affinity points for a promise to this character kept or broken: deeds count more than words.
PROMISE_AFFINITY = {"kept": 8.0, "broken": -6.0}
MOOD_WEIGHT = 0.3  # weight of the newest line in the mood average


class Mood(BaseModel):
    valence: float = Field(0.0, ge=-1, le=1, description="Recent mood, -1 (low) to 1 (high).")
    last_label: str | None = None
    trend: float = Field(0.0, description="Change in valence over the last turn.")


class Relationship(BaseModel):
    affinity: float = Field(0.0, ge=-100, le=100)
    mood: Mood = Field(default_factory=Mood)
    turns: int = 0


class RelationshipStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, c: Conversation) -> str:
        return f"{self._prefix}rel:{c.tenant_id}:{c.persona_id}:{{{c.player_id}}}"

    async def get(self, c: Conversation) -> Relationship:
        raw: Any = await self._redis.hgetall(self._key(c))
        fields = {as_text(k): float(as_text(v)) for k, v in raw.items() if as_text(k) != "label"}
        label = raw.get(b"label") or raw.get("label")
        return Relationship(
            affinity=fields.get("affinity", 0.0),
            mood=Mood(
                valence=fields.get("valence", 0.0),
                last_label=as_text(label) if label else None,
                trend=fields.get("trend", 0.0),
            ),
            turns=int(fields.get("turns", 0)),
        )

    async def record(
        self, c: Conversation, reading: Reading, promise: str | None = None
    ) -> Relationship:
        """Move affinity and mood by one turn's emotion, and by a promise the line kept or broke
        ("kept", "broken"). Read-modify-write: two turns of one player answered at the same
        instant may lose one turn's move, which is harmless."""
        current = await self.get(c)
        valence = VALENCE.get(reading.label, 0.0) * max(reading.intensity, 0.2)
        mood = (1 - MOOD_WEIGHT) * current.mood.valence + MOOD_WEIGHT * valence
        affinity = current.affinity + AFFINITY.get(reading.label, 0.0) * reading.intensity
        affinity += PROMISE_AFFINITY.get(promise or "", 0.0)
        updated = Relationship(
            affinity=round(max(-100.0, min(100.0, affinity)), 2),
            mood=Mood(
                valence=round(max(-1.0, min(1.0, mood)), 3),
                last_label=reading.label,
                trend=round(mood - current.mood.valence, 3),
            ),
            turns=current.turns + 1,
        )
        await self._redis.hset(
            self._key(c),
            mapping={
                "affinity": updated.affinity,
                "valence": updated.mood.valence,
                "trend": updated.mood.trend,
                "label": reading.label,
                "turns": updated.turns,
            },
        )
        return updated

    async def erase_player(self, tenant_id: str, player_id: str) -> int:
        return await delete_matching(
            self._redis, f"{self._prefix}rel:{tenant_id}:*:{{{player_id}}}"
        )
