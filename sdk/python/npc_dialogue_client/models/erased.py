from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Erased")


@_attrs_define
class Erased:
    """
    Attributes:
        player_id (str):
        events_deleted (int):
        log_keys_deleted (int):
    """

    player_id: str
    events_deleted: int
    log_keys_deleted: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        player_id = self.player_id

        events_deleted = self.events_deleted

        log_keys_deleted = self.log_keys_deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "player_id": player_id,
                "events_deleted": events_deleted,
                "log_keys_deleted": log_keys_deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        player_id = d.pop("player_id")

        events_deleted = d.pop("events_deleted")

        log_keys_deleted = d.pop("log_keys_deleted")

        erased = cls(
            player_id=player_id,
            events_deleted=events_deleted,
            log_keys_deleted=log_keys_deleted,
        )

        erased.additional_properties = d
        return erased

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
