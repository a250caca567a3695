"""The reply model in int8 weights (W8A8), with the reply adapter folded in.

Decoding on the CPU reads every weight per token; int8 halves the bytes of the linear layers
and doubles decode speed here (`make bench`). vLLM CPU 0.32 cannot put LoRA on its int8 layers
by itself (`_get_lora_device` reads `base_layer.weight`, which the oneDNN int8 path sets to
None; `int8_lora.py` fixes that), and runtime LoRA costs every reply ~15% of its speed, so the
reply adapter is merged into the bf16 weights first and the server runs runtime LoRA only for
the summarization adapter (`NPC_EXTRACTOR=summarizer`); a persona's own adapter cannot load
(409 adapter_unavailable). Made once into the cache, keyed by the model and the adapter.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from persona.schemas import LoraAdapter
from service.runtime.environment import RuntimeSetupError, is_complete, made_into

_QUANTIZER = Path(__file__).with_name("quantize_weights.py")


def int8_dir(cache_dir: Path, model_dir: Path, adapter: LoraAdapter | None) -> Path:
    # An adapter's name is a hash of its weights (`make train`): a retrained one gets a new folder.
    key = adapter.name if adapter is not None else "base"
    return cache_dir / "models" / f"{model_dir.name}-w8a8-{key}"


def ensure_int8(
    cache_dir: Path,
    vllm_python: Path,
    model_dir: Path,
    adapter: LoraAdapter | None,
    console: Console | None = None,
) -> Path:
    target = int8_dir(cache_dir, model_dir, adapter)
    if is_complete(target):
        return target
    console = console or Console(stderr=True)
    with (
        made_into(target, target.name) as partial,
        tempfile.TemporaryDirectory(dir=cache_dir) as scratch,
    ):
        source = model_dir
        if adapter is not None:
            console.print(f"[bold]Merging the reply adapter[/] {adapter.name} into the weights")
            source = Path(scratch) / "merged"
            _run(
                [
                    sys.executable,
                    "-m",
                    "service.runtime.merge_adapter",
                    str(model_dir),
                    adapter.path,
                    str(source),
                ],
                "merging the adapter",
            )
        console.print("[bold]Quantizing to int8[/] (W8A8, ~40 s)")
        _run(
            [str(vllm_python), str(_QUANTIZER), str(source), str(partial), "--bits", "8"],
            "quantizing",
        )
    console.print(f"[green]✓[/] int8 weights in {target}")
    return target


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    if result.returncode != 0:
        raise RuntimeSetupError(f"{what} failed (exit {result.returncode})")
