from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.persona_fields_memory_scope import (
    PersonaFieldsMemoryScope,
    check_persona_fields_memory_scope,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.example_dialogue import ExampleDialogue
    from ..models.extraction_config import ExtractionConfig
    from ..models.lora_adapter import LoraAdapter


T = TypeVar("T", bound="PersonaFields")


@_attrs_define
class PersonaFields:
    """
    Attributes:
        name (str):
        world (str | Unset): The world the character lives in. Default: ''.
        background (str | Unset): Who the character is. Default: ''.
        knowledge (str | Unset): What the character knows about and can talk of. Default: ''.
        outside (str | Unset): What lies outside the character's world (it refuses, in character). Default: ''.
        speaking_style (str | Unset):  Default: ''.
        greeting (str | Unset):  Default: ''.
        examples (list[ExampleDialogue] | Unset): Example exchanges in the voice.
        adapter (LoraAdapter | None | Unset): A LoRA adapter for this persona; None uses the service's reply adapter (or
            the base model, with `base_model`).
        base_model (bool | Unset): Answer with the base model, not the service's default reply adapter. Default: False.
        refusal_threshold (float | None | Unset): Refuse when the gate's out-of-world probability passes this; None uses
            the trained default. Lower refuses more.
        extraction (ExtractionConfig | Unset): What this persona's memory keeps: which of the eight types, and custom
            ones.
        world_id (None | str | Unset): Personas of one game world share this id (e.g. a village).
        memory_scope (PersonaFieldsMemoryScope | Unset): 'world': this persona also recalls what the player told the
            other 'world' personas with the same world_id (word travels in the village). Default: 'persona'.
    """

    name: str
    world: str | Unset = ""
    background: str | Unset = ""
    knowledge: str | Unset = ""
    outside: str | Unset = ""
    speaking_style: str | Unset = ""
    greeting: str | Unset = ""
    examples: list[ExampleDialogue] | Unset = UNSET
    adapter: LoraAdapter | None | Unset = UNSET
    base_model: bool | Unset = False
    refusal_threshold: float | None | Unset = UNSET
    extraction: ExtractionConfig | Unset = UNSET
    world_id: None | str | Unset = UNSET
    memory_scope: PersonaFieldsMemoryScope | Unset = "persona"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.lora_adapter import LoraAdapter  # noqa: PLC0415

        name = self.name

        world = self.world

        background = self.background

        knowledge = self.knowledge

        outside = self.outside

        speaking_style = self.speaking_style

        greeting = self.greeting

        examples: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.examples, Unset):
            examples = []
            for examples_item_data in self.examples:
                examples_item = examples_item_data.to_dict()
                examples.append(examples_item)

        adapter: dict[str, Any] | None | Unset
        if isinstance(self.adapter, Unset):
            adapter = UNSET
        elif isinstance(self.adapter, LoraAdapter):
            adapter = self.adapter.to_dict()
        else:
            adapter = self.adapter

        base_model = self.base_model

        refusal_threshold: float | None | Unset
        if isinstance(self.refusal_threshold, Unset):
            refusal_threshold = UNSET
        else:
            refusal_threshold = self.refusal_threshold

        extraction: dict[str, Any] | Unset = UNSET
        if not isinstance(self.extraction, Unset):
            extraction = self.extraction.to_dict()

        world_id: None | str | Unset
        if isinstance(self.world_id, Unset):
            world_id = UNSET
        else:
            world_id = self.world_id

        memory_scope: str | Unset = UNSET
        if not isinstance(self.memory_scope, Unset):
            memory_scope = self.memory_scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if world is not UNSET:
            field_dict["world"] = world
        if background is not UNSET:
            field_dict["background"] = background
        if knowledge is not UNSET:
            field_dict["knowledge"] = knowledge
        if outside is not UNSET:
            field_dict["outside"] = outside
        if speaking_style is not UNSET:
            field_dict["speaking_style"] = speaking_style
        if greeting is not UNSET:
            field_dict["greeting"] = greeting
        if examples is not UNSET:
            field_dict["examples"] = examples
        if adapter is not UNSET:
            field_dict["adapter"] = adapter
        if base_model is not UNSET:
            field_dict["base_model"] = base_model
        if refusal_threshold is not UNSET:
            field_dict["refusal_threshold"] = refusal_threshold
        if extraction is not UNSET:
            field_dict["extraction"] = extraction
        if world_id is not UNSET:
            field_dict["world_id"] = world_id
        if memory_scope is not UNSET:
            field_dict["memory_scope"] = memory_scope

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.example_dialogue import ExampleDialogue  # noqa: PLC0415
        from ..models.extraction_config import ExtractionConfig  # noqa: PLC0415
        from ..models.lora_adapter import LoraAdapter  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        world = d.pop("world", UNSET)

        background = d.pop("background", UNSET)

        knowledge = d.pop("knowledge", UNSET)

        outside = d.pop("outside", UNSET)

        speaking_style = d.pop("speaking_style", UNSET)

        greeting = d.pop("greeting", UNSET)

        _examples = d.pop("examples", UNSET)
        examples: list[ExampleDialogue] | Unset = UNSET
        if _examples is not UNSET:
            examples = []
            for examples_item_data in _examples:
                examples_item = ExampleDialogue.from_dict(examples_item_data)

                examples.append(examples_item)

        def _parse_adapter(data: object) -> LoraAdapter | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                adapter_type_0 = LoraAdapter.from_dict(data)

                return adapter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoraAdapter | None | Unset, data)

        adapter = _parse_adapter(d.pop("adapter", UNSET))

        base_model = d.pop("base_model", UNSET)

        def _parse_refusal_threshold(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        refusal_threshold = _parse_refusal_threshold(d.pop("refusal_threshold", UNSET))

        _extraction = d.pop("extraction", UNSET)
        extraction: ExtractionConfig | Unset
        if isinstance(_extraction, Unset):
            extraction = UNSET
        else:
            extraction = ExtractionConfig.from_dict(_extraction)

        def _parse_world_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        world_id = _parse_world_id(d.pop("world_id", UNSET))

        _memory_scope = d.pop("memory_scope", UNSET)
        memory_scope: PersonaFieldsMemoryScope | Unset
        if isinstance(_memory_scope, Unset):
            memory_scope = UNSET
        else:
            memory_scope = check_persona_fields_memory_scope(_memory_scope)

        persona_fields = cls(
            name=name,
            world=world,
            background=background,
            knowledge=knowledge,
            outside=outside,
            speaking_style=speaking_style,
            greeting=greeting,
            examples=examples,
            adapter=adapter,
            base_model=base_model,
            refusal_threshold=refusal_threshold,
            extraction=extraction,
            world_id=world_id,
            memory_scope=memory_scope,
        )

        persona_fields.additional_properties = d
        return persona_fields

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
