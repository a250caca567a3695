from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.extraction_config_types_item import (
    ExtractionConfigTypesItem,
    check_extraction_config_types_item,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_event_type import CustomEventType


T = TypeVar("T", bound="ExtractionConfig")


@_attrs_define
class ExtractionConfig:
    """What this persona's memory keeps: which of the eight types, and custom ones.

    Attributes:
        types (list[ExtractionConfigTypesItem] | Unset):
        custom_types (list[CustomEventType] | Unset):
    """

    types: list[ExtractionConfigTypesItem] | Unset = UNSET
    custom_types: list[CustomEventType] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        types: list[str] | Unset = UNSET
        if not isinstance(self.types, Unset):
            types = []
            for types_item_data in self.types:
                types_item: str = types_item_data
                types.append(types_item)

        custom_types: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.custom_types, Unset):
            custom_types = []
            for custom_types_item_data in self.custom_types:
                custom_types_item = custom_types_item_data.to_dict()
                custom_types.append(custom_types_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if types is not UNSET:
            field_dict["types"] = types
        if custom_types is not UNSET:
            field_dict["custom_types"] = custom_types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_event_type import CustomEventType  # noqa: PLC0415

        d = dict(src_dict)
        _types = d.pop("types", UNSET)
        types: list[ExtractionConfigTypesItem] | Unset = UNSET
        if _types is not UNSET:
            types = []
            for types_item_data in _types:
                types_item = check_extraction_config_types_item(types_item_data)

                types.append(types_item)

        _custom_types = d.pop("custom_types", UNSET)
        custom_types: list[CustomEventType] | Unset = UNSET
        if _custom_types is not UNSET:
            custom_types = []
            for custom_types_item_data in _custom_types:
                custom_types_item = CustomEventType.from_dict(custom_types_item_data)

                custom_types.append(custom_types_item)

        extraction_config = cls(
            types=types,
            custom_types=custom_types,
        )

        extraction_config.additional_properties = d
        return extraction_config

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
