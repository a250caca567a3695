from typing import Literal

PromiseOutcome = Literal["broken", "kept"]

PROMISE_OUTCOME_VALUES: set[PromiseOutcome] = {
    "broken",
    "kept",
}


def check_promise_outcome(value: str) -> PromiseOutcome:
    if value in PROMISE_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROMISE_OUTCOME_VALUES!r}")
