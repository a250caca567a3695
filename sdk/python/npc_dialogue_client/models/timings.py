from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Timings")


@_attrs_define
class Timings:
    """Milliseconds per stage of the turn.

    Attributes:
        persona_ms (float | Unset):  Default: 0.0.
        log_ms (float | Unset):  Default: 0.0.
        read_ms (float | Unset): The refusal gate and the emotion reader. Default: 0.0.
        recall_ms (float | Unset):  Default: 0.0.
        prompt_ms (float | Unset):  Default: 0.0.
        first_token_ms (float | Unset):  Default: 0.0.
        model_ms (float | Unset):  Default: 0.0.
        review_ms (float | Unset): The reflection check (and a regeneration). Default: 0.0.
        total_ms (float | Unset):  Default: 0.0.
    """

    persona_ms: float | Unset = 0.0
    log_ms: float | Unset = 0.0
    read_ms: float | Unset = 0.0
    recall_ms: float | Unset = 0.0
    prompt_ms: float | Unset = 0.0
    first_token_ms: float | Unset = 0.0
    model_ms: float | Unset = 0.0
    review_ms: float | Unset = 0.0
    total_ms: float | Unset = 0.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        persona_ms = self.persona_ms

        log_ms = self.log_ms

        read_ms = self.read_ms

        recall_ms = self.recall_ms

        prompt_ms = self.prompt_ms

        first_token_ms = self.first_token_ms

        model_ms = self.model_ms

        review_ms = self.review_ms

        total_ms = self.total_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if persona_ms is not UNSET:
            field_dict["persona_ms"] = persona_ms
        if log_ms is not UNSET:
            field_dict["log_ms"] = log_ms
        if read_ms is not UNSET:
            field_dict["read_ms"] = read_ms
        if recall_ms is not UNSET:
            field_dict["recall_ms"] = recall_ms
        if prompt_ms is not UNSET:
            field_dict["prompt_ms"] = prompt_ms
        if first_token_ms is not UNSET:
            field_dict["first_token_ms"] = first_token_ms
        if model_ms is not UNSET:
            field_dict["model_ms"] = model_ms
        if review_ms is not UNSET:
            field_dict["review_ms"] = review_ms
        if total_ms is not UNSET:
            field_dict["total_ms"] = total_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        persona_ms = d.pop("persona_ms", UNSET)

        log_ms = d.pop("log_ms", UNSET)

        read_ms = d.pop("read_ms", UNSET)

        recall_ms = d.pop("recall_ms", UNSET)

        prompt_ms = d.pop("prompt_ms", UNSET)

        first_token_ms = d.pop("first_token_ms", UNSET)

        model_ms = d.pop("model_ms", UNSET)

        review_ms = d.pop("review_ms", UNSET)

        total_ms = d.pop("total_ms", UNSET)

        timings = cls(
            persona_ms=persona_ms,
            log_ms=log_ms,
            read_ms=read_ms,
            recall_ms=recall_ms,
            prompt_ms=prompt_ms,
            first_token_ms=first_token_ms,
            model_ms=model_ms,
            review_ms=review_ms,
            total_ms=total_ms,
        )

        timings.additional_properties = d
        return timings

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
