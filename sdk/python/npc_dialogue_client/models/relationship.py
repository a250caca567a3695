from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mood import Mood


T = TypeVar("T", bound="Relationship")


@_attrs_define
class Relationship:
    """
    Attributes:
        affinity (float | Unset):  Default: 0.0.
        mood (Mood | Unset):
        turns (int | Unset):  Default: 0.
    """

    affinity: float | Unset = 0.0
    mood: Mood | Unset = UNSET
    turns: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        affinity = self.affinity

        mood: dict[str, Any] | Unset = UNSET
        if not isinstance(self.mood, Unset):
            mood = self.mood.to_dict()

        turns = self.turns

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if affinity is not UNSET:
            field_dict["affinity"] = affinity
        if mood is not UNSET:
            field_dict["mood"] = mood
        if turns is not UNSET:
            field_dict["turns"] = turns

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mood import Mood  # noqa: PLC0415

        d = dict(src_dict)
        affinity = d.pop("affinity", UNSET)

        _mood = d.pop("mood", UNSET)
        mood: Mood | Unset
        if isinstance(_mood, Unset):
            mood = UNSET
        else:
            mood = Mood.from_dict(_mood)

        turns = d.pop("turns", UNSET)

        relationship = cls(
            affinity=affinity,
            mood=mood,
            turns=turns,
        )

        relationship.additional_properties = d
        return relationship

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
