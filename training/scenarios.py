"""Step a: scenarios. A persona, a player's memory profile (events of the eight types, made with
the memory pipeline's event model) and a new line, with what a reply should do with it.

Scenarios come from labeled dialogue files (the seed set in tests/data, written by hand): each
case holds the memories, which of them bear on the line, the line's kind (memory, none, refuse,
support) and, for the seed teacher, a reply that uses the bearing memory and one that uses
nothing. `with_distractors` makes more profiles from the same lines by lending memories of
other cases in the same language, which the reply must leave alone.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from core.conversation import Conversation
from memory.events import Event
from persona.schemas import Persona

Kind = Literal["memory", "none", "refuse", "support"]
TENANT = "dialogue-data"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Memory(BaseModel):
    id: str
    type: str
    summary: str = Field(min_length=1, max_length=500)


class Case(BaseModel):
    """One labeled line of a dialogue file."""

    id: str
    persona: str
    lang: str
    kind: Kind
    memories: list[Memory] = Field(min_length=1)
    bears: list[str] = Field(default_factory=list)
    line: str = Field(min_length=1, max_length=2000)
    reply: str | None = None
    reply_plain: str | None = None


class Scenario(BaseModel):
    case: Case
    persona: Persona
    events: list[Event]

    @property
    def conversation(self) -> Conversation:
        return Conversation(TENANT, self.persona.id, self.case.id)

    @property
    def bearing(self) -> list[Event]:
        return [e for e in self.events if e.subject in self.case.bears]

    def summaries(self, ids: list[str]) -> list[str]:
        return [e.summary for e in self.events if e.subject in ids]


def load_cases(paths: list[Path]) -> list[Case]:
    cases = []
    for path in paths:
        with path.open(encoding="utf-8") as f:
            cases += [Case.model_validate_json(line) for line in f if line.strip()]
    return cases


def load_personas(path: Path) -> dict[str, Persona]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        key: Persona(id=key, created_at=NOW, updated_at=NOW, **fields)
        for key, fields in raw.items()
    }


def events_of(case: Case, persona_id: str) -> list[Event]:
    """The case's memories as the pool holds them: one event per memory, three weeks old,
    with the memory's own id kept as its subject so a reply can be checked against it."""
    return [
        Event(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{case.id}/{m.id}")),
            tenant_id=TENANT,
            persona_id=persona_id,
            player_id=case.id,
            type=m.type,
            subject=m.id,
            summary=m.summary,
            valid_from=NOW - timedelta(days=21),
            created_at=NOW - timedelta(days=21),
        )
        for m in case.memories
    ]


def scenarios(cases: list[Case], personas: dict[str, Persona]) -> list[Scenario]:
    unknown = sorted({c.persona for c in cases} - personas.keys())
    if unknown:
        raise ValueError(f"cases name personas that are not defined: {unknown}")
    return [
        Scenario(case=c, persona=personas[c.persona], events=events_of(c, c.persona)) for c in cases
    ]


def with_distractors(cases: list[Case], copies: int, seed: int = 0) -> list[Case]:
    """The cases, plus `copies` variants of each whose profile also holds 1–3 memories lent
    from other cases in the same language (never bearing ones, never of the same type as one
    that bears, so the lent memory cannot bear on the line by accident)."""
    rng = random.Random(seed)
    by_lang: dict[str, list[tuple[Case, Memory]]] = {}
    for c in cases:
        for m in c.memories:
            if m.id not in c.bears:
                by_lang.setdefault(c.lang, []).append((c, m))
    out = list(cases)
    for c in cases:
        bearing_types = {m.type for m in c.memories if m.id in c.bears}
        pool = [
            m
            for other, m in by_lang.get(c.lang, [])
            if other.id != c.id and m.type not in bearing_types
        ]
        for n in range(copies):
            if not pool:
                break
            lent = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
            extra = [Memory(id=f"x{i}", type=m.type, summary=m.summary) for i, m in enumerate(lent)]
            out.append(
                c.model_copy(update={"id": f"{c.id}+{n + 1}", "memories": c.memories + extra})
            )
    return out
