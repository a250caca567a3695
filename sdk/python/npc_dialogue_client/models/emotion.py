from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Emotion")


@_attrs_define
class Emotion:
    """The player's emotion in this line, read by a classifier trained on labeled lines.

    Attributes:
        label (str): neutral, joy, sadness, anger, fear, surprise, disgust, anxiety, loneliness or gratitude.
        intensity (float):
        support (bool | Unset): The reply was guided to acknowledge and comfort. Default: False.
    """

    label: str
    intensity: float
    support: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label

        intensity = self.intensity

        support = self.support

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "intensity": intensity,
            }
        )
        if support is not UNSET:
            field_dict["support"] = support

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        label = d.pop("label")

        intensity = d.pop("intensity")

        support = d.pop("support", UNSET)

        emotion = cls(
            label=label,
            intensity=intensity,
            support=support,
        )

        emotion.additional_properties = d
        return emotion

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
