"""Which reply adapter a persona without its own gets: only one trained on the served model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core.settings import Settings
from persona.adapters import SHIPPED, adapter_at, reply_adapter, trained_reply_adapter
from service.runtime.model import DEFAULT_MODEL, SMOLLM2_135M

REFERENCE = SHIPPED.with_name("dialogue-smollm2-135m")


def trained(folder: Path, model: str, name: str) -> Path:
    """An adapter folder as `make train` writes it (the weights do not matter here)."""
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    card = {"name": name, "base_model": f"/cache/models/{model}-cc324af070c2"}
    (folder / "card.json").write_text(json.dumps(card))
    return folder


def test_the_shipped_adapter_is_trained_on_the_default_model() -> None:
    shipped = adapter_at(SHIPPED, DEFAULT_MODEL)
    assert shipped is not None
    assert adapter_at(SHIPPED, SMOLLM2_135M.name) is None
    assert trained_reply_adapter(Settings(data_dir=Path("/nonexistent"))) == shipped
    # Served by name only where vLLM applies LoRA; int8 weights hold it folded in.
    assert reply_adapter(Settings(data_dir=Path("/nonexistent"), vllm_weights="bf16")) == shipped
    assert reply_adapter(Settings(data_dir=Path("/nonexistent"), vllm_weights="fp32")) == shipped
    assert reply_adapter(Settings(data_dir=Path("/nonexistent"), vllm_weights="int8")) is None


def test_an_adapter_trained_on_another_model_is_never_served(tmp_path: Path) -> None:
    trained(tmp_path / "adapters" / "dialogue", SMOLLM2_135M.name, "dialogue-old")
    chosen = trained_reply_adapter(Settings(data_dir=tmp_path))
    assert chosen is not None and chosen.name != "dialogue-old"  # the shipped one instead
    assert adapter_at(REFERENCE, SMOLLM2_135M.name) is not None


def test_a_local_retrained_adapter_wins_over_the_shipped_one(tmp_path: Path) -> None:
    trained(tmp_path / "adapters" / "dialogue", DEFAULT_MODEL, "dialogue-mine")
    chosen = trained_reply_adapter(Settings(data_dir=tmp_path))
    assert chosen is not None and chosen.name == "dialogue-mine"


def test_no_adapter_for_a_remote_model_or_when_asked_for_none(tmp_path: Path) -> None:
    assert reply_adapter(Settings(data_dir=tmp_path, llm_base_url="http://gpu:8000/v1")) is None
    assert reply_adapter(Settings(data_dir=tmp_path, reply_adapter="none")) is None
    copy = shutil.copytree(REFERENCE, tmp_path / "ref")
    chosen = trained_reply_adapter(Settings(data_dir=tmp_path, reply_adapter=str(copy)))
    assert chosen is not None and chosen.path == str(copy.resolve())
