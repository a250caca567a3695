"""Persona shapes at the API boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from memory.events import EVENT_TYPES, EventType
from memory.extraction.extractor import CustomEventType, ExtractionScope

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]
"""Persona and player ids: what a game server already uses as a key, URL-safe, ≤64 chars."""


# Queued with each player line as the `ExtractionScope` the worker reads.
class ExtractionConfig(ExtractionScope):
    """What this persona's memory keeps: which of the eight types, and custom ones."""

    types: list[EventType] = Field(default_factory=lambda: list(EVENT_TYPES))  # type: ignore[arg-type,assignment]
    custom_types: list[CustomEventType] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _custom_names_are_new(self) -> ExtractionConfig:
        clash = {c.name for c in self.custom_types} & set(EVENT_TYPES)
        if clash:
            raise ValueError(f"custom types may not reuse built-in names: {sorted(clash)}")
        return self


class ExampleDialogue(BaseModel):
    player: str = Field(min_length=1, max_length=500)
    npc: str = Field(min_length=1, max_length=1000)


class LoraAdapter(BaseModel):
    """Weights that make a persona's voice: a peft LoRA folder the model server can read."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    path: str = Field(min_length=1, max_length=1000)


class PersonaFields(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["Bram Alderwood"])
    world: str = Field("", max_length=4000, description="The world the character lives in.")
    background: str = Field("", max_length=8000, description="Who the character is.")
    knowledge: str = Field(
        "", max_length=4000, description="What the character knows about and can talk of."
    )
    outside: str = Field(
        "",
        max_length=4000,
        description="What lies outside the character's world (it refuses, in character).",
    )
    speaking_style: str = Field("", max_length=2000)
    greeting: str = Field("", max_length=1000)
    examples: list[ExampleDialogue] = Field(
        default_factory=list, max_length=20, description="Example exchanges in the voice."
    )
    adapter: LoraAdapter | None = Field(
        None,
        description="A LoRA adapter for this persona; None uses the service's reply adapter "
        "(or the base model, with `base_model`).",
    )
    base_model: bool = Field(
        False, description="Answer with the base model, not the service's default reply adapter."
    )
    refusal_threshold: float | None = Field(
        None,
        ge=0.05,
        le=0.95,
        description="Refuse when the gate's out-of-world probability passes this; "
        "None uses the trained default. Lower refuses more.",
    )
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    world_id: Identifier | None = Field(
        None, description="Personas of one game world share this id (e.g. a village)."
    )
    memory_scope: Literal["persona", "world"] = Field(
        "persona",
        description="'world': this persona also recalls what the player told the other "
        "'world' personas with the same world_id (word travels in the village).",
    )


class PersonaCreate(PersonaFields):
    id: Identifier | None = Field(None, description="Chosen by the caller; generated if absent.")


class Persona(PersonaFields):
    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime
    updated_at: datetime


class PersonaList(BaseModel):
    items: list[Persona]


class Reflection(BaseModel):
    """The check after generation: was the reply fit to send, and what was done if not."""

    passed: bool = True
    failed: list[str] = Field(
        default_factory=list,
        description="breaks_character, leaks_prompt, unsupportive, contradicts_fact, "
        "wrong_language",
    )
    action: Literal["none", "regenerated", "flagged", "repaired", "replaced", "safe_line"] = Field(
        "none",
        description="regenerated: the reply is a redrawn one that passed; flagged: no draw "
        "passed, and the one sent fails only soft checks (listed in failed of the first); "
        "repaired: the sentences that spoke out of character or repeated the instructions were "
        "cut; replaced: a fixed line that fits the turn (supportive on a support turn, a short "
        "refusal otherwise). Over the WebSocket, the done frame's reply then replaces the "
        "streamed text. safe_line: nothing was generated, the player needed support and "
        "NPC_SUPPORT_REPLIES chose the safe supportive line.",
    )
