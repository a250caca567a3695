"""Reading a player's line for a persona before it answers: the refusal verdict and the emotion.

One MiniLM ⊕ e5 embedding of the line feeds both heads (about 20 ms on the CPU). The persona's
sentences are embedded once per persona version and kept in a small cache.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from memory.extraction.classifier import Featurizer
from memory.features import CachedFeaturize
from persona.emotion import EmotionReader, Reading
from persona.gate import PersonaText, RefusalGate, Verdict
from persona.prompt import Guidance
from persona.schemas import Persona

Parts = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LineReading:
    verdict: Verdict
    emotion: Reading | None


def persona_text(persona: Persona) -> PersonaText:
    return PersonaText(
        knowledge=persona.knowledge,
        world=f"{persona.world} {persona.background}".strip(),
        outside=persona.outside,
    )


class CharacterReader:
    def __init__(
        self,
        featurize: Featurizer | CachedFeaturize,
        gate: RefusalGate | None,
        emotions: EmotionReader | None,
        cache_size: int = 256,
    ) -> None:
        self._featurize = featurize
        self._gate = gate
        self._emotions = emotions
        self._parts: OrderedDict[tuple[str, str], Parts] = OrderedDict()
        self._cache_size = cache_size

    @property
    def threshold(self) -> float:
        """The gate's trained threshold, where a persona sets none."""
        return self._gate.threshold if self._gate is not None else 0.5

    async def read(self, tenant_id: str, persona: Persona, text: str) -> LineReading:
        return await asyncio.to_thread(self._read, tenant_id, persona, text)

    def _read(self, tenant_id: str, persona: Persona, text: str) -> LineReading:
        [line] = self._featurize([text])
        verdict = Verdict(False, 0.0, None)
        if self._gate is not None:
            verdict = self._gate.verdict(
                line, self._persona_parts(tenant_id, persona), persona.refusal_threshold
            )
        emotion = self._emotions.read(line) if self._emotions is not None else None
        return LineReading(verdict, emotion)

    def cheer(self, text: str) -> tuple[str, float]:
        """The emotion a text reads as (the reflection check asks this of replies)."""
        if self._emotions is None:
            return "neutral", 0.0
        [vector] = self._featurize([text])
        reading = self._emotions.read(vector)
        return reading.label, reading.intensity

    def _persona_parts(self, tenant_id: str, persona: Persona) -> Parts:
        key = (tenant_id, f"{persona.id}@{persona.updated_at.isoformat()}")
        if key in self._parts:
            self._parts.move_to_end(key)
            return self._parts[key]
        parts = tuple(
            self._featurize(sentences) if sentences else np.zeros((0, self._featurize.dim))
            for sentences in persona_text(persona).sentences()
        )
        self._parts[key] = parts  # type: ignore[assignment]
        if len(self._parts) > self._cache_size:
            self._parts.popitem(last=False)
        return parts  # type: ignore[return-value]


def guidance_for(
    reading: LineReading, affinity: float = 0.0, promise: tuple[str, str] | None = None
) -> Guidance:
    """What the prompt acts on, from the line's reading: the same for a turn and for the
    dialogue data the reply adapter is trained on."""
    emotion = reading.emotion
    return Guidance(
        refusal=reading.verdict.reason if reading.verdict.refused else None,
        emotion=emotion.label if emotion is not None else None,
        support=emotion is not None and emotion.support,
        affinity=affinity,
        promise=promise,
    )
