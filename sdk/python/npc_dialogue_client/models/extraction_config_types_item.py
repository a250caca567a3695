from typing import Literal

ExtractionConfigTypesItem = Literal[
    "commitment",
    "emotion",
    "experience",
    "health",
    "identity",
    "plan",
    "preference",
    "relationship",
]

EXTRACTION_CONFIG_TYPES_ITEM_VALUES: set[ExtractionConfigTypesItem] = {
    "commitment",
    "emotion",
    "experience",
    "health",
    "identity",
    "plan",
    "preference",
    "relationship",
}


def check_extraction_config_types_item(value: str) -> ExtractionConfigTypesItem:
    if value in EXTRACTION_CONFIG_TYPES_ITEM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EXTRACTION_CONFIG_TYPES_ITEM_VALUES!r}"
    )
