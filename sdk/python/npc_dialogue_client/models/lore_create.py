from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoreCreate")


@_attrs_define
class LoreCreate:
    """A document for one persona (`persona_id`) or for every persona of a world (`world_id`).

    Attributes:
        title (str):
        text (str):
        persona_id (None | str | Unset):
        world_id (None | str | Unset):
    """

    title: str
    text: str
    persona_id: None | str | Unset = UNSET
    world_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        text = self.text

        persona_id: None | str | Unset
        if isinstance(self.persona_id, Unset):
            persona_id = UNSET
        else:
            persona_id = self.persona_id

        world_id: None | str | Unset
        if isinstance(self.world_id, Unset):
            world_id = UNSET
        else:
            world_id = self.world_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "title": title,
                "text": text,
            }
        )
        if persona_id is not UNSET:
            field_dict["persona_id"] = persona_id
        if world_id is not UNSET:
            field_dict["world_id"] = world_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        text = d.pop("text")

        def _parse_persona_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        persona_id = _parse_persona_id(d.pop("persona_id", UNSET))

        def _parse_world_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        world_id = _parse_world_id(d.pop("world_id", UNSET))

        lore_create = cls(
            title=title,
            text=text,
            persona_id=persona_id,
            world_id=world_id,
        )

        lore_create.additional_properties = d
        return lore_create

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
