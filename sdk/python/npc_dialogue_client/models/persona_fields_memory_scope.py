from typing import Literal

PersonaFieldsMemoryScope = Literal["persona", "world"]

PERSONA_FIELDS_MEMORY_SCOPE_VALUES: set[PersonaFieldsMemoryScope] = {
    "persona",
    "world",
}


def check_persona_fields_memory_scope(value: str) -> PersonaFieldsMemoryScope:
    if value in PERSONA_FIELDS_MEMORY_SCOPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {PERSONA_FIELDS_MEMORY_SCOPE_VALUES!r}"
    )
