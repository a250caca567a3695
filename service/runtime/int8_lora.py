"""A vLLM general plugin, copied into the vLLM CPU environment: LoRA adapters on int8 layers.

vLLM CPU's oneDNN W8A8 path prepacks each weight and sets `layer.weight` to None, and vLLM's
LoRA layers read the device of `base_layer.weight` when they wrap a layer, so a server with
int8 weights and `--enable-lora` fails at start. The adapter's own math never reads the base
weight (it runs beside the int8 matmul on the unquantized input), so the device is the only
thing missing: this gives it. Loaded by vLLM in every engine process through the
`vllm.general_plugins` entry point that `install` writes next to it.
"""

from __future__ import annotations

import sys
from pathlib import Path

MODULE = "npc_vllm_int8_lora"
_DIST = f"{MODULE}-1.0.dist-info"


def register() -> None:
    import torch
    from vllm.lora.layers import base_linear, utils  # type: ignore[import-not-found]

    original = utils._get_lora_device

    def lora_device(base_layer: torch.nn.Module) -> torch.device:
        if getattr(base_layer, "weight", 0) is None:  # prepacked by oneDNN
            for tensor in base_layer.parameters():
                return tensor.device
            return torch.device("cpu")
        device: torch.device = original(base_layer)
        return device

    utils._get_lora_device = lora_device
    base_linear._get_lora_device = lora_device


def install(python: Path) -> None:
    """Put this module and its entry point into the environment of `python` (idempotent)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = python.parent.parent / "lib" / version / "site-packages"
    source = Path(__file__).read_text()
    dist = site / _DIST
    files = {
        site / f"{MODULE}.py": source,
        dist / "METADATA": f"Metadata-Version: 2.1\nName: {MODULE}\nVersion: 1.0\n",
        dist / "entry_points.txt": f"[vllm.general_plugins]\nint8_lora = {MODULE}:register\n",
    }
    for path, text in files.items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
