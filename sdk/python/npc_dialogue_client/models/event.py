from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """
    Attributes:
        id (str):
        tenant_id (str):
        persona_id (str):
        player_id (str):
        type_ (str): One of the eight types, or a persona's custom type.
        subject (str): What the fact is about; same subject → supersede.
        summary (str): In the player's language.
        also (list[str] | Unset): Other kinds the same fact is ("nervous about my brother's wedding": emotion, also
            relationship); one fact is stored once, under `type`.
        importance (int | Unset):  Default: 5.
        weight (float | None | Unset): Importance after decay by age (the worker's periodic job); a new event weighs its
            importance.
        date (datetime.date | None | Unset): The day a plan or commitment is for.
        valid_from (datetime.datetime | Unset):
        valid_to (datetime.datetime | None | Unset):
        superseded_by (None | str | Unset):
        expires_at (datetime.datetime | None | Unset):
        source_turns (list[str] | Unset):
        sources (list[str] | Unset): For a profile or reflection: the ids of the events it was drawn from.
        created_at (datetime.datetime | Unset):
    """

    id: str
    tenant_id: str
    persona_id: str
    player_id: str
    type_: str
    subject: str
    summary: str
    also: list[str] | Unset = UNSET
    importance: int | Unset = 5
    weight: float | None | Unset = UNSET
    date: datetime.date | None | Unset = UNSET
    valid_from: datetime.datetime | Unset = UNSET
    valid_to: datetime.datetime | None | Unset = UNSET
    superseded_by: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    source_turns: list[str] | Unset = UNSET
    sources: list[str] | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        tenant_id = self.tenant_id

        persona_id = self.persona_id

        player_id = self.player_id

        type_ = self.type_

        subject = self.subject

        summary = self.summary

        also: list[str] | Unset = UNSET
        if not isinstance(self.also, Unset):
            also = self.also

        importance = self.importance

        weight: float | None | Unset
        if isinstance(self.weight, Unset):
            weight = UNSET
        else:
            weight = self.weight

        date: None | str | Unset
        if isinstance(self.date, Unset):
            date = UNSET
        elif isinstance(self.date, datetime.date):
            date = self.date.isoformat()
        else:
            date = self.date

        valid_from: str | Unset = UNSET
        if not isinstance(self.valid_from, Unset):
            valid_from = self.valid_from.isoformat()

        valid_to: None | str | Unset
        if isinstance(self.valid_to, Unset):
            valid_to = UNSET
        elif isinstance(self.valid_to, datetime.datetime):
            valid_to = self.valid_to.isoformat()
        else:
            valid_to = self.valid_to

        superseded_by: None | str | Unset
        if isinstance(self.superseded_by, Unset):
            superseded_by = UNSET
        else:
            superseded_by = self.superseded_by

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        source_turns: list[str] | Unset = UNSET
        if not isinstance(self.source_turns, Unset):
            source_turns = self.source_turns

        sources: list[str] | Unset = UNSET
        if not isinstance(self.sources, Unset):
            sources = self.sources

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "tenant_id": tenant_id,
                "persona_id": persona_id,
                "player_id": player_id,
                "type": type_,
                "subject": subject,
                "summary": summary,
            }
        )
        if also is not UNSET:
            field_dict["also"] = also
        if importance is not UNSET:
            field_dict["importance"] = importance
        if weight is not UNSET:
            field_dict["weight"] = weight
        if date is not UNSET:
            field_dict["date"] = date
        if valid_from is not UNSET:
            field_dict["valid_from"] = valid_from
        if valid_to is not UNSET:
            field_dict["valid_to"] = valid_to
        if superseded_by is not UNSET:
            field_dict["superseded_by"] = superseded_by
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if source_turns is not UNSET:
            field_dict["source_turns"] = source_turns
        if sources is not UNSET:
            field_dict["sources"] = sources
        if created_at is not UNSET:
            field_dict["created_at"] = created_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        tenant_id = d.pop("tenant_id")

        persona_id = d.pop("persona_id")

        player_id = d.pop("player_id")

        type_ = d.pop("type")

        subject = d.pop("subject")

        summary = d.pop("summary")

        also = cast(list[str], d.pop("also", UNSET))

        importance = d.pop("importance", UNSET)

        def _parse_weight(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        weight = _parse_weight(d.pop("weight", UNSET))

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

        _valid_from = d.pop("valid_from", UNSET)
        valid_from: datetime.datetime | Unset
        if isinstance(_valid_from, Unset):
            valid_from = UNSET
        else:
            valid_from = datetime.datetime.fromisoformat(_valid_from)

        def _parse_valid_to(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_to_type_0 = datetime.datetime.fromisoformat(data)

                return valid_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        valid_to = _parse_valid_to(d.pop("valid_to", UNSET))

        def _parse_superseded_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        superseded_by = _parse_superseded_by(d.pop("superseded_by", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        source_turns = cast(list[str], d.pop("source_turns", UNSET))

        sources = cast(list[str], d.pop("sources", UNSET))

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        event = cls(
            id=id,
            tenant_id=tenant_id,
            persona_id=persona_id,
            player_id=player_id,
            type_=type_,
            subject=subject,
            summary=summary,
            also=also,
            importance=importance,
            weight=weight,
            date=date,
            valid_from=valid_from,
            valid_to=valid_to,
            superseded_by=superseded_by,
            expires_at=expires_at,
            source_turns=source_turns,
            sources=sources,
            created_at=created_at,
        )

        event.additional_properties = d
        return event

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
