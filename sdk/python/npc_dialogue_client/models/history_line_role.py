from typing import Literal

HistoryLineRole = Literal["npc", "player"]

HISTORY_LINE_ROLE_VALUES: set[HistoryLineRole] = {
    "npc",
    "player",
}


def check_history_line_role(value: str) -> HistoryLineRole:
    if value in HISTORY_LINE_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HISTORY_LINE_ROLE_VALUES!r}")
