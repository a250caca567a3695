from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Mood")


@_attrs_define
class Mood:
    """
    Attributes:
        valence (float | Unset): Recent mood, -1 (low) to 1 (high). Default: 0.0.
        last_label (None | str | Unset):
        trend (float | Unset): Change in valence over the last turn. Default: 0.0.
    """

    valence: float | Unset = 0.0
    last_label: None | str | Unset = UNSET
    trend: float | Unset = 0.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        valence = self.valence

        last_label: None | str | Unset
        if isinstance(self.last_label, Unset):
            last_label = UNSET
        else:
            last_label = self.last_label

        trend = self.trend

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if valence is not UNSET:
            field_dict["valence"] = valence
        if last_label is not UNSET:
            field_dict["last_label"] = last_label
        if trend is not UNSET:
            field_dict["trend"] = trend

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        valence = d.pop("valence", UNSET)

        def _parse_last_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_label = _parse_last_label(d.pop("last_label", UNSET))

        trend = d.pop("trend", UNSET)

        mood = cls(
            valence=valence,
            last_label=last_label,
            trend=trend,
        )

        mood.additional_properties = d
        return mood

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
