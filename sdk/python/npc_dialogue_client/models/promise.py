from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.promise_outcome import PromiseOutcome, check_promise_outcome

T = TypeVar("T", bound="Promise")


@_attrs_define
class Promise:
    """A promise the player made to this character, which this line kept or broke.

    Attributes:
        event_id (str):
        promise (str): The promise as remembered.
        outcome (PromiseOutcome):
        confidence (float):
    """

    event_id: str
    promise: str
    outcome: PromiseOutcome
    confidence: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_id = self.event_id

        promise = self.promise

        outcome: str = self.outcome

        confidence = self.confidence

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_id": event_id,
                "promise": promise,
                "outcome": outcome,
                "confidence": confidence,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_id = d.pop("event_id")

        promise = d.pop("promise")

        outcome = check_promise_outcome(d.pop("outcome"))

        confidence = d.pop("confidence")

        promise = cls(
            event_id=event_id,
            promise=promise,
            outcome=outcome,
            confidence=confidence,
        )

        promise.additional_properties = d
        return promise

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
