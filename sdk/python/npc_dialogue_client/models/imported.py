from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lore_document import LoreDocument
    from ..models.persona import Persona


T = TypeVar("T", bound="Imported")


@_attrs_define
class Imported:
    """
    Attributes:
        persona (Persona):
        lore (list[LoreDocument] | Unset): The card's character book, as lore documents.
        ignored (list[str] | Unset): Card fields not taken over (a card may not replace the system prompt).
    """

    persona: Persona
    lore: list[LoreDocument] | Unset = UNSET
    ignored: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        persona = self.persona.to_dict()

        lore: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.lore, Unset):
            lore = []
            for lore_item_data in self.lore:
                lore_item = lore_item_data.to_dict()
                lore.append(lore_item)

        ignored: list[str] | Unset = UNSET
        if not isinstance(self.ignored, Unset):
            ignored = self.ignored

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "persona": persona,
            }
        )
        if lore is not UNSET:
            field_dict["lore"] = lore
        if ignored is not UNSET:
            field_dict["ignored"] = ignored

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lore_document import LoreDocument  # noqa: PLC0415
        from ..models.persona import Persona  # noqa: PLC0415

        d = dict(src_dict)
        persona = Persona.from_dict(d.pop("persona"))

        _lore = d.pop("lore", UNSET)
        lore: list[LoreDocument] | Unset = UNSET
        if _lore is not UNSET:
            lore = []
            for lore_item_data in _lore:
                lore_item = LoreDocument.from_dict(lore_item_data)

                lore.append(lore_item)

        ignored = cast(list[str], d.pop("ignored", UNSET))

        imported = cls(
            persona=persona,
            lore=lore,
            ignored=ignored,
        )

        imported.additional_properties = d
        return imported

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
