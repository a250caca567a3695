from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.memory_preferences_bias import MemoryPreferencesBias
    from ..models.memory_preferences_importance import MemoryPreferencesImportance


T = TypeVar("T", bound="MemoryPreferences")


@_attrs_define
class MemoryPreferences:
    """The player's leaning: learned from what they said ("forget that", "remember this, it
    matters to me", "that's not true anymore") and how they took memories the character
    brought up. It narrows what the persona's extraction settings keep, never widens them.

        Attributes:
            blocked (list[str]): Types this player asked not to be kept.
            bias (MemoryPreferencesBias): Per type, how much more (above 0) or less (below) readily a fact of it is kept, in
                logits of the extractor's type head.
            importance (MemoryPreferencesImportance): Per type, added to a kept fact's importance.
            signals (int): How many signals shaped it; 0: the general model.
    """

    blocked: list[str]
    bias: MemoryPreferencesBias
    importance: MemoryPreferencesImportance
    signals: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        blocked = self.blocked

        bias = self.bias.to_dict()

        importance = self.importance.to_dict()

        signals = self.signals

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "blocked": blocked,
                "bias": bias,
                "importance": importance,
                "signals": signals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.memory_preferences_bias import MemoryPreferencesBias  # noqa: PLC0415
        from ..models.memory_preferences_importance import MemoryPreferencesImportance  # noqa: PLC0415

        d = dict(src_dict)
        blocked = cast(list[str], d.pop("blocked"))

        bias = MemoryPreferencesBias.from_dict(d.pop("bias"))

        importance = MemoryPreferencesImportance.from_dict(d.pop("importance"))

        signals = d.pop("signals")

        memory_preferences = cls(
            blocked=blocked,
            bias=bias,
            importance=importance,
            signals=signals,
        )

        memory_preferences.additional_properties = d
        return memory_preferences

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
