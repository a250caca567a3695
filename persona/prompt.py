"""Prompt assembly: the persona becomes the system prompt; the player only ever speaks as user."""

from __future__ import annotations

import json
from collections.abc import Sequence

from memory.events import Event
from memory.log import LogEntry
from memory.lore import LORE
from persona.schemas import Persona

Message = dict[str, str]


def system_prompt(persona: Persona) -> str:
    parts = [f"You are {persona.name}, a character in a game world. Stay in character."]
    if persona.world:
        parts.append(f"Your world: {persona.world}")
    if persona.background:
        parts.append(f"Who you are: {persona.background}")
    if persona.speaking_style:
        parts.append(f"How you speak: {persona.speaking_style}")
    parts.append(
        "You are talking with a traveller (the player). Answer in one to three short sentences, "
        "in the player's language. Never say you are an AI or a language model."
    )
    return "\n".join(parts)


def memory_block(memories: Sequence[Event]) -> str:
    """What the NPC remembers, one fact a line, and what it knows of its world. Summaries are
    the player's words and lore is uploaded text: both quoted as JSON strings, so nothing in
    them reads as an instruction to the model."""
    facts = [m for m in memories if m.type != LORE]
    lore = [m for m in memories if m.type == LORE]
    blocks = []
    if facts:
        lines = [f"- ({m.type}) {json.dumps(m.summary, ensure_ascii=False)}" for m in facts]
        blocks.append(
            "What you remember the player telling you before (their words, quoted; bring up "
            "what bears on their new line the way a caring friend would):\n" + "\n".join(lines)
        )
    if lore:
        lines = [f"- {json.dumps(m.summary, ensure_ascii=False)}" for m in lore]
        blocks.append(
            "What you know of your world (quoted from its lore; answer from it, in your own "
            "words):\n" + "\n".join(lines)
        )
    return "\n\n".join(blocks)


def build_messages(
    persona: Persona,
    history: Sequence[LogEntry],
    player_text: str,
    memories: Sequence[Event] = (),
) -> list[Message]:
    """System prompt (with what is remembered), the recent lines in their roles, the new line."""
    system = system_prompt(persona)
    if block := memory_block(memories):
        system = f"{system}\n\n{block}"
    messages: list[Message] = [{"role": "system", "content": system}]
    for entry in history:
        role = "user" if entry.role == "player" else "assistant"
        messages.append({"role": role, "content": entry.text})
    messages.append({"role": "user", "content": player_text})
    return messages
