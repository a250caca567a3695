"""The pool's upper levels: a running profile of each player and reflections over their events.

Both are memories of their own kind (types `profile` and `reflection`), stored beside the events
they come from, linked to them by `sources`, and recalled like events. They are rebuilt from the
player's current events whenever those change, so a superseded fact drops out of both.

- The profile: the player's current facts in a few hundred characters, most important first,
  in their own words. Recall hands it to the persona when a conversation opens.
- Reflections: higher-level inferences ("has been under a lot of strain lately"), one per theme
  whose events together pass an importance threshold. An event joins the theme whose example
  lines (several languages) its embedding is closest to, if close enough; the threshold keeps
  one passing remark from becoming a trait. MiniLM reads CJK poorly, so Chinese and Japanese
  events join themes less reliably than European-language ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import structlog

from memory.embedding import Embedder, unit_rows
from memory.events import Event, event_id
from memory.log import Conversation
from memory.store.port import MemoryStore

log = structlog.get_logger(__name__)

PROFILE = "profile"
REFLECTION = "reflection"
DERIVED_TYPES = (PROFILE, REFLECTION)
# The order a profile lists facts in: who they are first, passing feelings last.
_PROFILE_ORDER = (
    "identity",
    "health",
    "relationship",
    "commitment",
    "plan",
    "preference",
    "experience",
    "emotion",
)


@dataclass(frozen=True)
class Theme:
    key: str
    statement: str
    examples: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(
        "strain",
        "has been under a lot of strain lately",
        (
            "I'm so stressed I can't sleep",
            "work is crushing me",
            "I'm exhausted all the time",
            "everything is falling apart",
            "最近压力好大，睡不着",
            "estoy agotado, no puedo más",
            "ich bin total gestresst",
            "je suis épuisé",
            "最近ストレスで眠れない",
        ),
    ),
    Theme(
        "grief",
        "is grieving a loss",
        (
            "my grandmother passed away",
            "I miss my father so much since he died",
            "we buried my dog last week",
            "I lost my best friend",
            "我奶奶去世了",
            "mi madre murió el mes pasado",
            "mein Vater ist gestorben",
            "ma sœur est morte",
            "祖父が亡くなった",
        ),
    ),
    Theme(
        "health_worry",
        "has been worried about their health",
        (
            "the doctor found something on my scan",
            "my chest has been hurting",
            "I keep getting sick",
            "I'm scared about my test results",
            "我身体一直不舒服",
            "me duele mucho la espalda",
            "ich habe ständig Kopfschmerzen",
            "je suis souvent malade",
            "体の調子がずっと悪い",
        ),
    ),
    Theme(
        "money",
        "has been struggling with money",
        (
            "I can't pay the rent",
            "I'm broke again",
            "I lost my job",
            "I owe the bank a lot",
            "我没钱交房租了",
            "no tengo dinero",
            "ich habe Schulden",
            "je n'ai plus d'argent",
            "お金がなくて困っている",
        ),
    ),
    Theme(
        "loneliness",
        "has been feeling lonely",
        (
            "I have no one to talk to",
            "I feel so alone",
            "my friends stopped calling",
            "I moved and don't know anyone",
            "我觉得好孤独",
            "me siento muy solo",
            "ich fühle mich einsam",
            "je me sens seul",
            "一人ぼっちで寂しい",
        ),
    ),
    Theme(
        "conflict",
        "has been in conflict with people close to them",
        (
            "I had a huge fight with my wife",
            "my brother and I aren't speaking",
            "I had a shouting match with my neighbour",
            "my parents are angry with me",
            "我和男朋友吵架了",
            "discutí con mi hermano",
            "ich habe Streit mit meinen Eltern",
            "je me suis disputé avec mon père",
            "彼女と喧嘩した",
        ),
    ),
    Theme(
        "joy",
        "has had a lot of good news lately",
        (
            "I got the promotion!",
            "we're getting married",
            "my baby was born",
            "I passed the exam",
            "我考上大学了",
            "¡me caso el mes que viene!",
            "ich habe die Stelle bekommen",
            "j'ai réussi mon examen",
            "試験に合格した",
        ),
    ),
)


@dataclass(frozen=True)
class HierarchyConfig:
    profile_chars: int = 360
    theme_similarity: float = 0.5
    reflection_importance: int = 14  # e.g. three events of importance 5, or two of 7
    reflection_min_events: int = 2


def profile_id(c: Conversation) -> str:
    return event_id(c.tenant_id, c.persona_id, c.player_id, "~profile", 0)


def reflection_id(c: Conversation, theme: str) -> str:
    return event_id(c.tenant_id, c.persona_id, c.player_id, f"~reflection:{theme}", 0)


def profile_text(events: Sequence[Event], limit: int) -> str:
    """Current facts grouped by type in a fixed order, most important first, cut at `limit`:
    "identity: I work as a carpenter; I am 27 | health: I have a sensitive stomach"."""
    rank = {kind: i for i, kind in enumerate(_PROFILE_ORDER)}
    ordered = sorted(
        events, key=lambda e: (rank.get(e.type, len(rank)), -e.importance, e.created_at)
    )
    groups: dict[str, list[str]] = {}
    used = 0
    for event in ordered:
        summary = event.summary.strip()
        cost = len(summary) + 2 + (0 if event.type in groups else len(event.type) + 5)
        if used + cost > limit:
            continue
        groups.setdefault(event.type, []).append(summary)
        used += cost
    return " | ".join(f"{kind}: {'; '.join(items)}" for kind, items in groups.items())


class Hierarchy:
    def __init__(
        self, store: MemoryStore, embedder: Embedder, config: HierarchyConfig | None = None
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._config = config or HierarchyConfig()
        self._themes: np.ndarray | None = None

    async def refresh(self, c: Conversation, now: datetime) -> list[Event]:
        """Rebuild the player's profile and reflections; return those written or retired."""
        events = [e for e in await self._store.list_events(c) if e.type not in DERIVED_TYPES]
        vectors = await self._embedder.embed([e.summary for e in events]) if events else []
        derived = [self._profile(c, events, now), *await self._reflections(c, events, vectors, now)]
        changed = []
        for new in derived:
            if new is None:
                continue
            old = await self._store.get(c, new.id)
            if old is not None and (old.summary, old.sources) == (new.summary, new.sources):
                continue
            [vector] = await self._embedder.embed([new.summary])
            await self._store.upsert([new], [vector])
            changed.append(new)
        changed += await self._retire(c, {e.id for e in derived if e is not None}, now)
        if changed:
            log.debug("hierarchy.refreshed", persona=c.persona_id, changed=len(changed))
        return changed

    def _profile(self, c: Conversation, events: Sequence[Event], now: datetime) -> Event | None:
        text = profile_text(events, self._config.profile_chars)
        if not text:
            return None
        return self._derived(c, profile_id(c), PROFILE, PROFILE, text, events, now, importance=6)

    async def _reflections(
        self,
        c: Conversation,
        events: Sequence[Event],
        vectors: Sequence[Sequence[float]],
        now: datetime,
    ) -> list[Event]:
        if not events:
            return []
        anchors = await self._theme_vectors()
        matrix = unit_rows(np.asarray(vectors, dtype=np.float32))
        cfg = self._config
        # Each event joins at most its closest theme, so one line never feeds two inferences.
        closeness = np.stack([(matrix @ a.T).max(axis=1) for a in anchors], axis=1)
        best = closeness.argmax(axis=1)
        reflections = []
        for t, theme in enumerate(THEMES):
            members = [
                e
                for i, e in enumerate(events)
                if best[i] == t and closeness[i, t] >= cfg.theme_similarity
            ]
            weight = sum(e.importance for e in members)
            if len(members) < cfg.reflection_min_events or weight < cfg.reflection_importance:
                continue
            importance = min(10, round(weight / len(members)) + 2)
            reflections.append(
                self._derived(
                    c,
                    reflection_id(c, theme.key),
                    REFLECTION,
                    theme.key,
                    theme.statement,
                    members,
                    now,
                    importance,
                )
            )
        return reflections

    async def _retire(self, c: Conversation, keep: set[str], now: datetime) -> list[Event]:
        """Derived memories whose grounds are gone (a theme cooled, every fact erased) expire."""
        retired = []
        for old in await self._store.list_events(c, types=DERIVED_TYPES):
            if old.id not in keep:
                await self._store.patch(c, old.id, {"valid_to": now})
                retired.append(old)
        return retired

    async def _theme_vectors(self) -> list[np.ndarray]:
        if self._themes is None:
            examples = [x for theme in THEMES for x in theme.examples]
            self._themes = unit_rows(
                np.asarray(await self._embedder.embed(examples), dtype=np.float32)
            )
        anchors, start = [], 0
        for theme in THEMES:
            anchors.append(self._themes[start : start + len(theme.examples)])
            start += len(theme.examples)
        return anchors

    @staticmethod
    def _derived(
        c: Conversation,
        id_: str,
        kind: str,
        subject: str,
        summary: str,
        sources: Sequence[Event],
        now: datetime,
        importance: int,
    ) -> Event:
        return Event(
            id=id_,
            tenant_id=c.tenant_id,
            persona_id=c.persona_id,
            player_id=c.player_id,
            type=kind,
            subject=subject,
            summary=summary,
            importance=importance,
            valid_from=max((e.valid_from for e in sources), default=now),
            sources=sorted(e.id for e in sources),
            created_at=now,
        )
