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

from core.conversation import Conversation
from memory.embedding import unit_rows
from memory.events import Event, event_id
from memory.features import NoteEmbedder
from memory.store.port import MemoryStore, Stored

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
    return profile_listing(events, limit)[0]


def profile_listing(events: Sequence[Event], limit: int) -> tuple[str, list[Event]]:
    """The profile's text and the events it lists."""
    rank = {kind: i for i, kind in enumerate(_PROFILE_ORDER)}
    ordered = sorted(
        events, key=lambda e: (rank.get(e.type, len(rank)), -e.importance, e.created_at)
    )
    groups: dict[str, list[str]] = {}
    listed = []
    used = 0
    for event in ordered:
        summary = event.summary.strip()
        cost = len(summary) + 2 + (0 if event.type in groups else len(event.type) + 5)
        if used + cost > limit:
            continue
        groups.setdefault(event.type, []).append(summary)
        listed.append(event)
        used += cost
    text = " | ".join(f"{kind}: {'; '.join(items)}" for kind, items in groups.items())
    return text, listed


# Enough of a theme's closest events to weigh it; a player's hundredth strain event changes
# nothing a reflection says.
_THEME_SEARCH_K = 64


class Hierarchy:
    def __init__(
        self, store: MemoryStore, notes: NoteEmbedder, config: HierarchyConfig | None = None
    ) -> None:
        self._store = store
        self._notes = notes
        self._config = config or HierarchyConfig()
        self._themes: np.ndarray | None = None
        self._statements: dict[str, list[float]] = {}
        # A theme statement's e5 vector, stored with its reflection for the bearing judge.
        self._statement_e5: dict[str, list[float]] = {}

    async def refresh(
        self, c: Conversation, now: datetime, changed: Sequence[str] | None = None
    ) -> list[Event]:
        """Bring the player's profile and reflections in step with their events; return those
        written or retired. `changed`: the ids of the events just written, superseded or
        patched; only what they touch is recomputed, from the vectors stored with the events,
        so a write costs the same for a player of ten events and of thousands (embedding every
        event again made a long relationship cost O(events²)). None, after a delete: all."""
        if changed is None:
            return await self._rebuild(c, now)
        touched = [p for p in await self._store.get_with_vectors(c, changed) if _is_fact(p[0])]
        if not touched:
            return []
        old = await self._store.get(c, profile_id(c))
        kept = old.sources if old is not None and old.current else []
        pool = {e.id: (e, v) for e, v in await self._store.get_with_vectors(c, kept)}
        pool.update({e.id: (e, v) for e, v in touched})
        current = [p for p in pool.values() if p[0].current and _is_fact(p[0])]
        wanted: dict[str, Stored | None] = {profile_id(c): self._profile(c, current, now)}
        best, close = await self._closest([v for _, v in touched])
        for t in {int(b) for b, x in zip(best, close, strict=True) if x >= self._theme_bar}:
            members = await self._members_of(c, t)
            wanted[reflection_id(c, THEMES[t].key)] = await self._reflection(c, t, members, now)
        return await self._write(c, wanted, now)

    async def _rebuild(self, c: Conversation, now: datetime) -> list[Event]:
        stored = [p for p in await self._store.list_with_vectors(c) if _is_fact(p[0])]
        wanted: dict[str, Stored | None] = {profile_id(c): self._profile(c, stored, now)}
        best, close = await self._closest([v for _, v in stored])
        for t in range(len(THEMES)):
            members = [
                p for i, p in enumerate(stored) if best[i] == t and close[i] >= self._theme_bar
            ]
            wanted[reflection_id(c, THEMES[t].key)] = await self._reflection(c, t, members, now)
        changed = await self._write(c, wanted, now)
        # Derived memories of no theme there is now (a theme was renamed) expire as well.
        for old in await self._store.list_events(c, types=DERIVED_TYPES):
            if old.id not in wanted:
                await self._store.patch(c, old.id, {"valid_to": now})
                changed.append(old)
        return changed

    async def _write(
        self, c: Conversation, wanted: dict[str, Stored | None], now: datetime
    ) -> list[Event]:
        changed = []
        for id_, new in wanted.items():
            old = await self._store.get(c, id_)
            if new is None:
                # Its grounds are gone (a theme cooled, every fact erased): it expires.
                if old is not None and old.current:
                    await self._store.patch(c, id_, {"valid_to": now})
                    changed.append(old)
                continue
            event, vector = new
            said = (event.summary, event.sources)
            if old is not None and old.current and (old.summary, old.sources) == said:
                continue
            e5 = self._statement_e5.get(event.summary) if event.type == REFLECTION else None
            await self._store.upsert([event], [vector], None if e5 is None else [e5])
            changed.append(event)
        if changed:
            log.debug("hierarchy.refreshed", persona=c.persona_id, changed=len(changed))
        return changed

    @property
    def _theme_bar(self) -> float:
        return self._config.theme_similarity

    def _profile(self, c: Conversation, stored: Sequence[Stored], now: datetime) -> Stored | None:
        text, listed = profile_listing([e for e, _ in stored], self._config.profile_chars)
        if not text:
            return None
        # Its sources are the facts it lists: what a later write rereads to update it.
        profile = self._derived(c, profile_id(c), PROFILE, PROFILE, text, listed, now, 6)
        vectors = {e.id: v for e, v in stored}
        # It sits among the facts it lists: the mean of their vectors, no model call.
        return profile, _mean([vectors[e.id] for e in listed])

    async def _closest(self, vectors: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
        """Each vector's closest theme and how close (the best of its example lines)."""
        if not vectors:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32)
        anchors = await self._theme_vectors()
        matrix = unit_rows(np.asarray(vectors, dtype=np.float32))
        # Each event joins at most its closest theme, so one line never feeds two inferences.
        closeness = np.stack([(matrix @ a.T).max(axis=1) for a in anchors], axis=1)
        best = closeness.argmax(axis=1)
        return best, closeness[np.arange(len(best)), best]

    async def _members_of(self, c: Conversation, t: int) -> list[Stored]:
        """The player's current events whose closest theme is `t`: found by searching the pool
        near each of the theme's example lines, so no other event is read."""
        anchors = await self._theme_vectors()
        found: dict[str, Stored] = {}
        for anchor in anchors[t]:
            hits = await self._store.search(
                c, anchor.tolist(), _THEME_SEARCH_K, with_vectors=True, min_score=self._theme_bar
            )
            for hit in hits:
                if hit.score >= self._theme_bar and hit.vector is not None and _is_fact(hit.event):
                    found[hit.event.id] = (hit.event, hit.vector)
        stored = sorted(found.values(), key=lambda p: (p[0].created_at, p[0].id))
        best, close = await self._closest([v for _, v in stored])
        return [p for i, p in enumerate(stored) if best[i] == t and close[i] >= self._theme_bar]

    async def _reflection(
        self, c: Conversation, t: int, members: Sequence[Stored], now: datetime
    ) -> Stored | None:
        cfg = self._config
        weight = sum(e.importance for e, _ in members)
        if len(members) < cfg.reflection_min_events or weight < cfg.reflection_importance:
            return None
        theme = THEMES[t]
        importance = min(10, round(weight / len(members)) + 2)
        events = [e for e, _ in members]
        reflection = self._derived(
            c,
            reflection_id(c, theme.key),
            REFLECTION,
            theme.key,
            theme.statement,
            events,
            now,
            importance,
        )
        if theme.key not in self._statements:
            # Every theme's at once: one call, once a process, rather than a slow write
            # each time another theme first forms.
            embedded = await self._notes([x.statement for x in THEMES])
            for i, x in enumerate(THEMES):
                self._statements[x.key] = embedded.dense[i]
                if embedded.e5 is not None:
                    self._statement_e5[x.statement] = embedded.e5[i]
        return reflection, self._statements[theme.key]

    async def _theme_vectors(self) -> list[np.ndarray]:
        if self._themes is None:
            examples = [x for theme in THEMES for x in theme.examples]
            self._themes = unit_rows(
                np.asarray(await self._notes.dense(examples), dtype=np.float32)
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


def _is_fact(event: Event) -> bool:
    return event.type not in DERIVED_TYPES


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    return [float(x) for x in mean / max(float(np.linalg.norm(mean)), 1e-9)]
