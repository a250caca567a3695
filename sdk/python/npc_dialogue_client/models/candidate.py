from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Candidate")


@_attrs_define
class Candidate:
    """
    Attributes:
        type_ (str):
        subject (str):
        summary (str):
        also (list[str] | Unset):
        importance (int | Unset):  Default: 5.
        date (datetime.date | None | Unset):
        confidence (float | Unset):  Default: 1.0.
    """

    type_: str
    subject: str
    summary: str
    also: list[str] | Unset = UNSET
    importance: int | Unset = 5
    date: datetime.date | None | Unset = UNSET
    confidence: float | Unset = 1.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        subject = self.subject

        summary = self.summary

        also: list[str] | Unset = UNSET
        if not isinstance(self.also, Unset):
            also = self.also

        importance = self.importance

        date: None | str | Unset
        if isinstance(self.date, Unset):
            date = UNSET
        elif isinstance(self.date, datetime.date):
            date = self.date.isoformat()
        else:
            date = self.date

        confidence = self.confidence

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "subject": subject,
                "summary": summary,
            }
        )
        if also is not UNSET:
            field_dict["also"] = also
        if importance is not UNSET:
            field_dict["importance"] = importance
        if date is not UNSET:
            field_dict["date"] = date
        if confidence is not UNSET:
            field_dict["confidence"] = confidence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")

        subject = d.pop("subject")

        summary = d.pop("summary")

        also = cast(list[str], d.pop("also", UNSET))

        importance = d.pop("importance", UNSET)

        def _parse_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_type_0 = datetime.date.fromisoformat(data)

                return date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        date = _parse_date(d.pop("date", UNSET))

        confidence = d.pop("confidence", UNSET)

        candidate = cls(
            type_=type_,
            subject=subject,
            summary=summary,
            also=also,
            importance=importance,
            date=date,
            confidence=confidence,
        )

        candidate.additional_properties = d
        return candidate

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
