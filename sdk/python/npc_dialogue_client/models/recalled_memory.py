from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RecalledMemory")


@_attrs_define
class RecalledMemory:
    """
    Attributes:
        id (str):
        type_ (str):
        summary (str):
        score (float): Rank score: relevance, importance and recency mixed.
        relevance (float): Cosine similarity of the memory to the line.
        signal (str): What brought it: dense (similar meaning), keyword (a rare word shared with the line), standing (a
            fact in force), or bearing (the trained judge linked it to the line with no similarity).
    """

    id: str
    type_: str
    summary: str
    score: float
    relevance: float
    signal: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_

        summary = self.summary

        score = self.score

        relevance = self.relevance

        signal = self.signal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "summary": summary,
                "score": score,
                "relevance": relevance,
                "signal": signal,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        summary = d.pop("summary")

        score = d.pop("score")

        relevance = d.pop("relevance")

        signal = d.pop("signal")

        recalled_memory = cls(
            id=id,
            type_=type_,
            summary=summary,
            score=score,
            relevance=relevance,
            signal=signal,
        )

        recalled_memory.additional_properties = d
        return recalled_memory

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
