from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reflection_action import ReflectionAction, check_reflection_action
from ..types import UNSET, Unset

T = TypeVar("T", bound="Reflection")


@_attrs_define
class Reflection:
    """The check after generation: was the reply fit to send, and what was done if not.

    Attributes:
        passed (bool | Unset):  Default: True.
        failed (list[str] | Unset): breaks_character, leaks_prompt, unsupportive, contradicts_fact, wrong_language
        action (ReflectionAction | Unset): regenerated: the reply is a redrawn one that passed; flagged: no draw passed,
            and the one sent fails only soft checks (listed in failed of the first); repaired: the sentences that spoke out
            of character or repeated the instructions were cut; replaced: a fixed line that fits the turn (supportive on a
            support turn, a short refusal otherwise). Over the WebSocket, the done frame's reply then replaces the streamed
            text. safe_line: nothing was generated, the player needed support and NPC_SUPPORT_REPLIES chose the safe
            supportive line. Default: 'none'.
    """

    passed: bool | Unset = True
    failed: list[str] | Unset = UNSET
    action: ReflectionAction | Unset = "none"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        passed = self.passed

        failed: list[str] | Unset = UNSET
        if not isinstance(self.failed, Unset):
            failed = self.failed

        action: str | Unset = UNSET
        if not isinstance(self.action, Unset):
            action = self.action

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if passed is not UNSET:
            field_dict["passed"] = passed
        if failed is not UNSET:
            field_dict["failed"] = failed
        if action is not UNSET:
            field_dict["action"] = action

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        passed = d.pop("passed", UNSET)

        failed = cast(list[str], d.pop("failed", UNSET))

        _action = d.pop("action", UNSET)
        action: ReflectionAction | Unset
        if isinstance(_action, Unset):
            action = UNSET
        else:
            action = check_reflection_action(_action)

        reflection = cls(
            passed=passed,
            failed=failed,
            action=action,
        )

        reflection.additional_properties = d
        return reflection

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
