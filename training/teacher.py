"""Step c: a teacher writes the reply to the prompt the service builds.

`ModelTeacher` is any OpenAI-compatible endpoint (settings `NPC_TEACHER_*`: a larger model on
a GPU vLLM, a hosted API). It reads the same messages the student will, plus guidance the
student never sees: which memory bears and how to use it. `SeedTeacher` answers from the
hand-written seed replies when no strong teacher is at hand: the reply that uses the bearing
memory when recall put it in the prompt, else the plain one, so the student never learns to
speak of a memory it was not shown.
"""

from __future__ import annotations

import json
from typing import Protocol

from openai import AsyncOpenAI

from persona.prompt import Message
from training.retrieval import Grounded

TEACHER_GUIDE = (
    "You are writing the ideal reply of this character, as an example for training. Rules: "
    "stay in the character's voice and world; answer in the player's language; one to three "
    "short sentences, at most 45 words. {memory} Never mention any other remembered fact, "
    "never state anything about the player that is not in what you remember, and never "
    "recite facts back. If the player is sad, acknowledge and validate the feeling first, no "
    "lecture, no forced cheer. Write only the reply."
)
USE_MEMORY = (
    "The remembered fact {fact} bears on the player's line: bring it up as a caring friend "
    "would, with a question or a caring remark, without repeating it word for word."
)
NO_MEMORY = "None of the remembered facts bears on this line: do not bring any up."


class Teacher(Protocol):
    name: str

    async def write(self, grounded: Grounded) -> str | None: ...


class SeedTeacher:
    name = "seed"

    async def write(self, grounded: Grounded) -> str | None:
        case = grounded.scenario.case
        if case.bears and not grounded.shown_bearing:
            return case.reply_plain
        return case.reply


class ModelTeacher:
    def __init__(self, client: AsyncOpenAI, model: str, temperature: float = 0.7) -> None:
        self._client = client
        self._model = model
        self._temperature = temperature
        self.name = f"model:{model}"

    def messages(self, grounded: Grounded) -> list[Message]:
        shown = grounded.scenario.summaries(grounded.shown_bearing)
        memory = (
            USE_MEMORY.format(fact=json.dumps(shown[0], ensure_ascii=False)) if shown else NO_MEMORY
        )
        system = grounded.messages[0]
        guide = TEACHER_GUIDE.format(memory=memory)
        return [{**system, "content": f"{system['content']}\n\n{guide}"}, *grounded.messages[1:]]

    async def write(self, grounded: Grounded) -> str | None:
        completion = await self._client.chat.completions.create(
            model=self._model,
            messages=self.messages(grounded),  # type: ignore[arg-type]
            max_tokens=120,
            temperature=self._temperature,
            seed=0,
        )
        text = completion.choices[0].message.content
        return text.strip() if text else None
