"""Which served weights decode fastest on this CPU.

Measured with `make bench` (README, Speed): on CPUs with AMX (Intel Sapphire Rapids and later)
the oneDNN int8 kernels run W8A8 at ~10 tokens/s and bf16 at ~6; on an AVX2-only CPU (an AMD
EPYC here, no AVX-512) both fall back to slow paths (int8 1.2, bf16 under 1 token/s) and fp32
is fastest at ~4. The choice is read once from /proc/cpuinfo.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

Weights = Literal["int8", "bf16", "fp32"]
# Instruction sets the int8 and bf16 kernels of vLLM CPU (oneDNN) run fast on.
INT8_FAST = frozenset({"amx_int8", "avx512_vnni"})
BF16_FAST = frozenset({"amx_bf16", "avx512_bf16"})


@cache
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def fastest_weights(flags: frozenset[str]) -> Weights:
    """The weights `NPC_VLLM_WEIGHTS=auto` serves: int8 where its kernels are fast, else fp32."""
    return "int8" if flags & INT8_FAST else "fp32"


def fastest_lora_weights(flags: frozenset[str]) -> Weights:
    """The fastest weights that take runtime LoRA (int8 takes none in vLLM CPU 0.32)."""
    return "bf16" if flags & BF16_FAST else "fp32"
