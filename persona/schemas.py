"""Persona shapes at the API boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]
"""Persona and player ids: what a game server already uses as a key, URL-safe, ≤64 chars."""


class PersonaFields(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["Bram Alderwood"])
    world: str = Field("", max_length=4000, description="The world the character lives in.")
    background: str = Field("", max_length=8000, description="Who the character is.")
    speaking_style: str = Field("", max_length=2000)
    greeting: str = Field("", max_length=1000)


class PersonaCreate(PersonaFields):
    id: Identifier | None = Field(None, description="Chosen by the caller; generated if absent.")


class Persona(PersonaFields):
    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime
    updated_at: datetime


class PersonaList(BaseModel):
    items: list[Persona]
