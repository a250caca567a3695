from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.emotion import Emotion
    from ..models.promise import Promise
    from ..models.recalled_memory import RecalledMemory
    from ..models.reflection import Reflection
    from ..models.timings import Timings


T = TypeVar("T", bound="TurnResponse")


@_attrs_define
class TurnResponse:
    """
    Attributes:
        turn_id (str):
        reply (str):
        timings (Timings): Milliseconds per stage of the turn.
        refused (bool | Unset):  Default: False.
        refusal_reason (None | str | Unset):
        emotion (Emotion | None | Unset):
        recalled (list[RecalledMemory] | Unset):
        promise (None | Promise | Unset): The promise this line kept or broke; it is closed, affinity moves.
        reflection (Reflection | Unset): The check after generation: was the reply fit to send, and what was done if
            not.
        replayed (bool | Unset): True when this answers a retried turn_id. Default: False.
        degraded (list[Literal['memory']] | Unset): Parts that could not do their job this turn, so the reply was made
            without them. memory: the memory pool was unreachable; nothing was recalled.
    """

    turn_id: str
    reply: str
    timings: Timings
    refused: bool | Unset = False
    refusal_reason: None | str | Unset = UNSET
    emotion: Emotion | None | Unset = UNSET
    recalled: list[RecalledMemory] | Unset = UNSET
    promise: None | Promise | Unset = UNSET
    reflection: Reflection | Unset = UNSET
    replayed: bool | Unset = False
    degraded: list[Literal["memory"]] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.emotion import Emotion  # noqa: PLC0415
        from ..models.promise import Promise  # noqa: PLC0415

        turn_id = self.turn_id

        reply = self.reply

        timings = self.timings.to_dict()

        refused = self.refused

        refusal_reason: None | str | Unset
        if isinstance(self.refusal_reason, Unset):
            refusal_reason = UNSET
        else:
            refusal_reason = self.refusal_reason

        emotion: dict[str, Any] | None | Unset
        if isinstance(self.emotion, Unset):
            emotion = UNSET
        elif isinstance(self.emotion, Emotion):
            emotion = self.emotion.to_dict()
        else:
            emotion = self.emotion

        recalled: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.recalled, Unset):
            recalled = []
            for recalled_item_data in self.recalled:
                recalled_item = recalled_item_data.to_dict()
                recalled.append(recalled_item)

        promise: dict[str, Any] | None | Unset
        if isinstance(self.promise, Unset):
            promise = UNSET
        elif isinstance(self.promise, Promise):
            promise = self.promise.to_dict()
        else:
            promise = self.promise

        reflection: dict[str, Any] | Unset = UNSET
        if not isinstance(self.reflection, Unset):
            reflection = self.reflection.to_dict()

        replayed = self.replayed

        degraded: list[Literal["memory"]] | Unset = UNSET
        if not isinstance(self.degraded, Unset):
            degraded = self.degraded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "turn_id": turn_id,
                "reply": reply,
                "timings": timings,
            }
        )
        if refused is not UNSET:
            field_dict["refused"] = refused
        if refusal_reason is not UNSET:
            field_dict["refusal_reason"] = refusal_reason
        if emotion is not UNSET:
            field_dict["emotion"] = emotion
        if recalled is not UNSET:
            field_dict["recalled"] = recalled
        if promise is not UNSET:
            field_dict["promise"] = promise
        if reflection is not UNSET:
            field_dict["reflection"] = reflection
        if replayed is not UNSET:
            field_dict["replayed"] = replayed
        if degraded is not UNSET:
            field_dict["degraded"] = degraded

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.emotion import Emotion  # noqa: PLC0415
        from ..models.promise import Promise  # noqa: PLC0415
        from ..models.recalled_memory import RecalledMemory  # noqa: PLC0415
        from ..models.reflection import Reflection  # noqa: PLC0415
        from ..models.timings import Timings  # noqa: PLC0415

        d = dict(src_dict)
        turn_id = d.pop("turn_id")

        reply = d.pop("reply")

        timings = Timings.from_dict(d.pop("timings"))

        refused = d.pop("refused", UNSET)

        def _parse_refusal_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refusal_reason = _parse_refusal_reason(d.pop("refusal_reason", UNSET))

        def _parse_emotion(data: object) -> Emotion | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                emotion_type_0 = Emotion.from_dict(data)

                return emotion_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Emotion | None | Unset, data)

        emotion = _parse_emotion(d.pop("emotion", UNSET))

        _recalled = d.pop("recalled", UNSET)
        recalled: list[RecalledMemory] | Unset = UNSET
        if _recalled is not UNSET:
            recalled = []
            for recalled_item_data in _recalled:
                recalled_item = RecalledMemory.from_dict(recalled_item_data)

                recalled.append(recalled_item)

        def _parse_promise(data: object) -> None | Promise | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                promise_type_0 = Promise.from_dict(data)

                return promise_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Promise | Unset, data)

        promise = _parse_promise(d.pop("promise", UNSET))

        _reflection = d.pop("reflection", UNSET)
        reflection: Reflection | Unset
        if isinstance(_reflection, Unset):
            reflection = UNSET
        else:
            reflection = Reflection.from_dict(_reflection)

        replayed = d.pop("replayed", UNSET)

        _degraded = d.pop("degraded", UNSET)
        degraded: list[Literal["memory"]] | Unset = UNSET
        if _degraded is not UNSET:
            degraded = []
            for degraded_item_data in _degraded:
                degraded_item = cast(Literal["memory"], degraded_item_data)
                if degraded_item != "memory":
                    raise ValueError(
                        f"degraded_item must match const 'memory', got '{degraded_item}'"
                    )
                degraded.append(degraded_item)

        turn_response = cls(
            turn_id=turn_id,
            reply=reply,
            timings=timings,
            refused=refused,
            refusal_reason=refusal_reason,
            emotion=emotion,
            recalled=recalled,
            promise=promise,
            reflection=reflection,
            replayed=replayed,
            degraded=degraded,
        )

        turn_response.additional_properties = d
        return turn_response

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
