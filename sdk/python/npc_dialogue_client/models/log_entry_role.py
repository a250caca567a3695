from typing import Literal

LogEntryRole = Literal["npc", "player"]

LOG_ENTRY_ROLE_VALUES: set[LogEntryRole] = {
    "npc",
    "player",
}


def check_log_entry_role(value: str) -> LogEntryRole:
    if value in LOG_ENTRY_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LOG_ENTRY_ROLE_VALUES!r}")
