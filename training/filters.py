"""Step d: keep a teacher's reply only if it is the reply we want to teach.

A reply is rejected, and counted under the first reason that applies, when it:
- `no_reply`: is empty, or the teacher gave none;
- `too_long`: runs past 60 words (CJK: 120 characters);
- `wrong_language`: is not in the player's language;
- `out_of_character`: speaks as an AI or repeats its instructions (the service's reflection
  check);
- `ignores_memory`: the bearing memory was in the prompt and the reply does not refer to it;
- `mentions_distractor`: refers to a memory that does not bear on the line;
- `invents_fact`: states something about the player that no memory in the prompt holds;
- `declined_in_world_line`: the refusal gate declined a line the character should answer, so
  the prompt holds a stand-in and no reply to it teaches anything true;
- `near_duplicate`: says almost what an earlier kept reply of the same persona said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.language import language_of
from persona.reflection import ReflectionCheck
from training.judges import Embeddings, Judges
from training.retrieval import Grounded

REASONS = (
    "no_reply",
    "too_long",
    "wrong_language",
    "out_of_character",
    "declined_in_world_line",
    "ignores_memory",
    "mentions_distractor",
    "invents_fact",
    "near_duplicate",
)
MAX_WORDS = 60
MAX_CJK_CHARS = 120
DUPLICATE_COSINE = 0.95


def too_long(reply: str) -> bool:
    cjk = sum("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in reply)
    return len(reply.split()) > MAX_WORDS if cjk < 10 else len(reply) > MAX_CJK_CHARS


@dataclass
class Filters:
    judges: Judges
    check: ReflectionCheck
    emb: Embeddings
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    _kept: dict[str, list[str]] = field(default_factory=dict)

    def reason(self, grounded: Grounded, reply: str | None) -> str | None:
        """Why the reply must go, or None to keep it."""
        case = grounded.scenario.case
        if not reply or not reply.strip():
            return "no_reply"
        if too_long(reply):
            return "too_long"
        if language_of(reply, default=case.lang) != case.lang:
            return "wrong_language"
        verdict = self.check.check(
            reply, instructions=grounded.instructions, support=False, facts=[]
        )
        if {"breaks_character", "leaks_prompt"} & set(verdict.failed):
            return "out_of_character"
        if grounded.refused and case.kind != "refuse":
            return "declined_in_world_line"
        memories = [e.summary for e in grounded.scenario.events]
        bearing = set(grounded.scenario.summaries(case.bears))
        mentioned = self.judges.mentioned(self.emb, reply, memories)
        shown = set(grounded.scenario.summaries(grounded.shown_bearing))
        if shown and not any(
            m for m, hit in zip(memories, mentioned, strict=True) if m in shown and hit
        ):
            return "ignores_memory"
        if any(hit and m not in bearing for m, hit in zip(memories, mentioned, strict=True)):
            return "mentions_distractor"
        prompt_memories = grounded.scenario.summaries(grounded.recalled)
        if self.judges.invented(self.emb, reply, prompt_memories):
            return "invents_fact"
        if self._near_duplicate(grounded.scenario.persona.id, reply):
            return "near_duplicate"
        return None

    def keep(self, grounded: Grounded, reply: str | None) -> bool:
        reason = self.reason(grounded, reply)
        if reason is not None:
            self.rejected[reason] += 1
            self.examples.setdefault(reason, []).append(reply or "")
            return False
        self._kept.setdefault(grounded.scenario.persona.id, []).append(reply or "")
        return True

    def _near_duplicate(self, persona: str, reply: str) -> bool:
        earlier: Sequence[str] = self._kept.get(persona, [])
        if not earlier:
            return False
        self.emb.add([reply, *earlier])
        e5 = self.emb[reply][1]
        return any(float(self.emb[other][1] @ e5) >= DUPLICATE_COSINE for other in earlier)
