from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LoreDocument")


@_attrs_define
class LoreDocument:
    """
    Attributes:
        id (str):
        title (str):
        persona_id (None | str):
        world_id (None | str):
        chunks (int):
        chars (int):
        created_at (datetime.datetime):
    """

    id: str
    title: str
    persona_id: None | str
    world_id: None | str
    chunks: int
    chars: int
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        title = self.title

        persona_id: None | str
        persona_id = self.persona_id

        world_id: None | str
        world_id = self.world_id

        chunks = self.chunks

        chars = self.chars

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "title": title,
                "persona_id": persona_id,
                "world_id": world_id,
                "chunks": chunks,
                "chars": chars,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        title = d.pop("title")

        def _parse_persona_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        persona_id = _parse_persona_id(d.pop("persona_id"))

        def _parse_world_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        world_id = _parse_world_id(d.pop("world_id"))

        chunks = d.pop("chunks")

        chars = d.pop("chars")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        lore_document = cls(
            id=id,
            title=title,
            persona_id=persona_id,
            world_id=world_id,
            chunks=chunks,
            chars=chars,
            created_at=created_at,
        )

        lore_document.additional_properties = d
        return lore_document

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
