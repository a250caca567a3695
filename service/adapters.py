"""Which LoRA adapter answers for personas that name none: the trained reply adapter."""

from __future__ import annotations

import json
from pathlib import Path

import structlog

from persona.schemas import LoraAdapter
from service.settings import Settings

log = structlog.get_logger(__name__)

SHIPPED = Path(__file__).resolve().parents[1] / "persona" / "adapters" / "dialogue"


def adapter_at(folder: Path) -> LoraAdapter | None:
    """The adapter in a folder `make train` wrote (its card names it by a hash of its weights,
    so a retrained adapter loads under a new name), or None if there is none."""
    card = folder / "card.json"
    if not (folder / "adapter_config.json").exists() or not card.exists():
        return None
    name = json.loads(card.read_text())["name"]
    return LoraAdapter(name=name, path=str(folder.resolve()))


def reply_adapter(settings: Settings) -> LoraAdapter | None:
    choice = settings.reply_adapter
    if choice == "none":
        return None
    if choice != "auto":
        found = adapter_at(Path(choice))
        if found is None:
            raise ValueError(f"NPC_REPLY_ADAPTER={choice} holds no adapter made by `make train`")
        return found
    # The shipped adapter was trained on the bundled model: another model cannot use it.
    if settings.llm_base_url is not None or settings.vllm_max_lora_rank == 0:
        return None
    found = adapter_at(settings.data_dir / "adapters" / "dialogue") or adapter_at(SHIPPED)
    log.info("reply_adapter", name=found.name if found else None)
    return found
