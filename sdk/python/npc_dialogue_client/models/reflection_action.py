from typing import Literal

ReflectionAction = Literal["flagged", "none", "regenerated", "repaired", "replaced", "safe_line"]

REFLECTION_ACTION_VALUES: set[ReflectionAction] = {
    "flagged",
    "none",
    "regenerated",
    "repaired",
    "replaced",
    "safe_line",
}


def check_reflection_action(value: str) -> ReflectionAction:
    if value in REFLECTION_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REFLECTION_ACTION_VALUES!r}")
