from typing import Literal

PersonaMemoryScope = Literal["persona", "world"]

PERSONA_MEMORY_SCOPE_VALUES: set[PersonaMemoryScope] = {
    "persona",
    "world",
}


def check_persona_memory_scope(value: str) -> PersonaMemoryScope:
    if value in PERSONA_MEMORY_SCOPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PERSONA_MEMORY_SCOPE_VALUES!r}")
