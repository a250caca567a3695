"""Fold a LoRA adapter into a copy of its base model's weights (bf16 safetensors).

Usage: python -m service.runtime.merge_adapter BASE_DIR ADAPTER_DIR OUT_DIR

For the int8 weights of `NPC_VLLM_WEIGHTS=int8`: vLLM CPU cannot apply LoRA on top of its int8
layers, so the reply adapter goes into the weights before they are quantized.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("adapter", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    started = time.time()
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.bfloat16)
    merged = PeftModel.from_pretrained(model, args.adapter).merge_and_unload()
    merged.save_pretrained(args.out, safe_serialization=True)
    for path in args.base.iterdir():  # tokenizer, chat template: all but weights and config
        written = (args.out / path.name).exists() or path.suffix == ".safetensors"
        if path.is_file() and not path.name.startswith(".") and not written:
            shutil.copy2(path, args.out / path.name)
    print(f"  adapter merged in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
