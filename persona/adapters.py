"""Which LoRA adapter answers a persona: its own, else the trained reply adapter."""

from __future__ import annotations

import json
from pathlib import Path

import structlog

from core.errors import AdapterUnavailable
from core.settings import Settings
from persona.schemas import LoraAdapter, Persona

log = structlog.get_logger(__name__)

SHIPPED = Path(__file__).resolve().parents[1] / "persona" / "adapters" / "dialogue"


def adapter_at(folder: Path, base_model: str | None = None) -> LoraAdapter | None:
    """The adapter in a folder `make train` wrote (its card names it by a hash of its weights,
    so a retrained adapter loads under a new name), or None if there is none; with
    `base_model`, only one trained on that served model."""
    card_file = folder / "card.json"
    if not (folder / "adapter_config.json").exists() or not card_file.exists():
        return None
    card = json.loads(card_file.read_text())
    if base_model is not None and trained_on(card) != base_model:
        return None
    return LoraAdapter(name=card["name"], path=str(folder.resolve()))


def trained_on(card: dict[str, str]) -> str:
    """The served model name an adapter was trained on (cards name the converted folder,
    `<model>-<sha prefix>`)."""
    return card.get("base_model_name") or Path(card["base_model"]).name.rsplit("-", 1)[0]


def reply_adapter(settings: Settings) -> LoraAdapter | None:
    """The adapter a turn selects by name for personas without their own; None where there is
    none, or where it is already folded into the served weights (`NPC_VLLM_WEIGHTS=int8`)."""
    if settings.folded_reply_adapter:
        return None
    return trained_reply_adapter(settings)


def trained_reply_adapter(settings: Settings) -> LoraAdapter | None:
    choice = settings.reply_adapter
    if choice == "none":
        return None
    if choice != "auto":
        found = adapter_at(Path(choice))
        if found is None:
            raise ValueError(f"NPC_REPLY_ADAPTER={choice} holds no adapter made by `make train`")
        return found
    # An adapter fits only the model it was trained on; a remote server's model is unknown.
    if settings.llm_base_url is not None or settings.vllm_max_lora_rank == 0:
        return None
    model = settings.llm_model
    found = adapter_at(settings.data_dir / "adapters" / "dialogue", model) or adapter_at(
        SHIPPED, model
    )
    log.info("reply_adapter", name=found.name if found else None)
    return found


def voice_of(
    persona: Persona, reply_adapter: LoraAdapter | None, folded: bool
) -> LoraAdapter | None:
    """The adapter that speaks for `persona`: its own; none where it asks for the base model;
    else the reply adapter. `folded`: the served weights have the reply adapter folded in and
    take no other (int8 on the CPU), so a persona's own adapter cannot be served."""
    if persona.adapter is not None and folded:
        raise AdapterUnavailable(
            f"persona {persona.id!r} names adapter {persona.adapter.name!r}, but the local "
            "model runs int8 weights, which take no LoRA: set NPC_VLLM_WEIGHTS=bf16 or fp32"
        )
    return persona.adapter or (None if persona.base_model else reply_adapter)
