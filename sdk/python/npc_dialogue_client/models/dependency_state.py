from typing import Literal

DependencyState = Literal["down", "ok"]

DEPENDENCY_STATE_VALUES: set[DependencyState] = {
    "down",
    "ok",
}


def check_dependency_state(value: str) -> DependencyState:
    if value in DEPENDENCY_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DEPENDENCY_STATE_VALUES!r}")
