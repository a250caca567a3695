"""De-quantize a GGUF into a bf16 safetensors folder. Runs inside the vLLM environment.

Usage: python convert_gguf.py GGUF_PATH OUT_DIR
"""

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("gguf")
    parser.add_argument("out")
    args = parser.parse_args()
    folder, name = os.path.split(os.path.abspath(args.gguf))
    started = time.time()
    print("  1/3 tokenizer", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    print("  2/3 de-quantizing the weights", flush=True)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    # The tensors are plain now; a leftover quantization config would make vLLM try to honour it.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        delattr(model.config, "quantization_config")
    print("  3/3 saving bf16 safetensors", flush=True)
    model.to(torch.bfloat16).save_pretrained(args.out, safe_serialization=True)
    tokenizer.save_pretrained(args.out)
    print(f"  converted in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
