"""Prompt assembly: the persona becomes the system prompt; the player only ever speaks as user."""

from __future__ import annotations

from collections.abc import Sequence

from memory.log import LogEntry
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


def build_messages(
    persona: Persona, history: Sequence[LogEntry], player_text: str
) -> list[Message]:
    """System prompt, then the recent lines in their roles, then the player's new line."""
    messages: list[Message] = [{"role": "system", "content": system_prompt(persona)}]
    for entry in history:
        role = "user" if entry.role == "player" else "assistant"
        messages.append({"role": role, "content": entry.text})
    messages.append({"role": "user", "content": player_text})
    return messages
