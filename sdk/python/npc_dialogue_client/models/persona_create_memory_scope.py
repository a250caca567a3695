from typing import Literal

PersonaCreateMemoryScope = Literal["persona", "world"]

PERSONA_CREATE_MEMORY_SCOPE_VALUES: set[PersonaCreateMemoryScope] = {
    "persona",
    "world",
}


def check_persona_create_memory_scope(value: str) -> PersonaCreateMemoryScope:
    if value in PERSONA_CREATE_MEMORY_SCOPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {PERSONA_CREATE_MEMORY_SCOPE_VALUES!r}"
    )
