"""Write an 8-bit (or 4-bit) compressed-tensors copy of a bf16 model folder for vLLM on the CPU.

Decoding on the CPU is bound by memory bandwidth: every token reads all the weights. Storing
the transformer's linear layers in fewer bits cuts that traffic. vLLM cannot quantize at load
time on the CPU, so the checkpoint is written here, offline, by round-to-nearest from the
weights (no calibration data). Runs inside the vLLM environment (it needs compressed-tensors).

The vLLM CPU kernels decide the schemes:
  --bits 8  W8A8 int8: int8 weights with one scale per output channel, activations quantized
            to int8 per token at run time (CPUInt8ScaledMMLinearKernel). 8-bit weights with
            16-bit activations (W8A16) have no CPU kernel: CPUWNA16 takes 4-bit weights only.
  --bits 4  W4A16: 4-bit weights, one scale per --group-size inputs (default 128; -1 means one
            per output channel), 16-bit activations (CPUWNA16LinearKernel).
The embeddings, lm_head, norms and biases stay in the source dtype.

Usage: python quantize_weights.py SRC_DIR OUT_DIR [--bits 8|4] [--group-size N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import torch
from compressed_tensors.compressors import BaseCompressor, ModelCompressor
from compressed_tensors.config import CompressionFormat
from compressed_tensors.quantization import (
    QuantizationArgs,
    QuantizationConfig,
    QuantizationScheme,
    QuantizationStatus,
    QuantizationStrategy,
    QuantizationType,
)
from compressed_tensors.quantization.utils import calculate_qparams
from safetensors import safe_open
from safetensors.torch import save_file

# The transformer's linear layers; everything else (embeddings, lm_head, norms, biases) is copied.
_LINEAR_SUFFIXES = (
    "q_proj.weight",
    "k_proj.weight",
    "v_proj.weight",
    "o_proj.weight",
    "gate_proj.weight",
    "up_proj.weight",
    "down_proj.weight",
)
_INDEX_NAME = "model.safetensors.index.json"


def build_scheme(bits: int, group_size: int) -> tuple[QuantizationScheme, CompressionFormat]:
    """The compressed-tensors scheme and on-disk format that vLLM's CPU kernels accept."""
    if bits == 8:
        weights = _int_args(8, QuantizationStrategy.CHANNEL)
        activations = _int_args(8, QuantizationStrategy.TOKEN, dynamic=True)
        scheme = QuantizationScheme(
            targets=["Linear"], weights=weights, input_activations=activations
        )
        return scheme, CompressionFormat.int_quantized
    if group_size == -1:
        weights = _int_args(4, QuantizationStrategy.CHANNEL)
    else:
        weights = _int_args(4, QuantizationStrategy.GROUP, group_size=group_size)
    return QuantizationScheme(targets=["Linear"], weights=weights), CompressionFormat.pack_quantized


def _int_args(
    bits: int, strategy: QuantizationStrategy, group_size: int | None = None, dynamic: bool = False
) -> QuantizationArgs:
    return QuantizationArgs(
        num_bits=bits,
        type=QuantizationType.INT,
        symmetric=True,
        strategy=strategy,
        group_size=group_size,
        dynamic=dynamic,
    )


def round_to_nearest(
    weight: torch.Tensor, scheme: QuantizationScheme, compressor: type[BaseCompressor]
) -> dict[str, torch.Tensor]:
    """Scales from the weight's own range, then the compressor's quantize-and-store step."""
    args = scheme.weights
    assert args is not None
    w = weight.float()
    if args.strategy == QuantizationStrategy.GROUP:
        assert args.group_size is not None
        if w.shape[1] % args.group_size:
            raise SystemExit(f"input size {w.shape[1]} is not a multiple of {args.group_size}")
        grouped = w.view(w.shape[0], -1, args.group_size)
        low, high = grouped.amin(dim=2), grouped.amax(dim=2)
    else:
        low, high = w.amin(dim=1, keepdim=True), w.amax(dim=1, keepdim=True)
    scale, zero_point = calculate_qparams(low, high, args)
    # vLLM reads the scales in the model's dtype; quantize with exactly the scales it will use.
    scale = scale.to(weight.dtype)
    compressed = compressor.compress(
        {"weight": w, "weight_scale": scale.float(), "weight_zero_point": zero_point}, scheme
    )
    compressed["weight_scale"] = scale
    return compressed


def quantize_file(
    source: Path, target: Path, scheme: QuantizationScheme, compressor: type[BaseCompressor]
) -> tuple[dict[str, torch.Tensor], int]:
    tensors: dict[str, torch.Tensor] = {}
    quantized = 0
    with safe_open(source, framework="pt") as reader:
        metadata = reader.metadata()
        for name in reader.keys():  # noqa: SIM118 (a safe_open handle, not a dict)
            tensor = reader.get_tensor(name)
            if name.endswith(_LINEAR_SUFFIXES):
                prefix = name.removesuffix("weight")
                for key, value in round_to_nearest(tensor, scheme, compressor).items():
                    tensors[prefix + key] = value.contiguous()
                quantized += 1
            else:
                tensors[name] = tensor
    save_file(tensors, target, metadata=metadata)
    return tensors, quantized


def copy_side_files(source_dir: Path, out_dir: Path) -> None:
    """Tokenizer, chat template, config and generation files: everything but the weights."""
    for path in sorted(source_dir.iterdir()):
        weights = path.suffix == ".safetensors" or path.name == _INDEX_NAME
        if path.is_file() and not path.name.startswith(".") and not weights:
            shutil.copy2(path, out_dir / path.name)


def write_index(source_dir: Path, out_dir: Path, names_by_file: dict[str, list[str]]) -> None:
    if not (source_dir / _INDEX_NAME).exists():
        return
    index = json.loads((source_dir / _INDEX_NAME).read_text())
    index["weight_map"] = {name: file for file, names in names_by_file.items() for name in names}
    index.get("metadata", {}).pop("total_size", None)
    (out_dir / _INDEX_NAME).write_text(json.dumps(index, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="bf16 safetensors model folder")
    parser.add_argument("out", type=Path, help="output folder (created)")
    parser.add_argument("--bits", type=int, default=8, choices=(8, 4))
    parser.add_argument(
        "--group-size", type=int, default=128, help="4-bit only; -1 for one scale per channel"
    )
    args = parser.parse_args()

    shards = sorted(args.source.glob("*.safetensors"))
    if not shards:
        raise SystemExit(f"no .safetensors files in {args.source}")
    if args.out.resolve() == args.source.resolve():
        raise SystemExit("OUT_DIR must differ from SRC_DIR")
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.time()
    scheme, fmt = build_scheme(args.bits, args.group_size)
    compressor = BaseCompressor.get_value_from_registry(fmt.value)
    label = "W8A8 int8, per channel" if args.bits == 8 else f"W4A16, group {args.group_size}"
    print(f"  quantizing {len(shards)} file(s) to {label} ({fmt.value})", flush=True)

    names_by_file: dict[str, list[str]] = {}
    total = 0
    for shard in shards:
        tensors, quantized = quantize_file(shard, args.out / shard.name, scheme, compressor)
        names_by_file[shard.name] = list(tensors)
        total += quantized
        print(f"  {shard.name}: {quantized} linear layers quantized", flush=True)
        del tensors

    copy_side_files(args.source, args.out)
    write_index(args.source, args.out, names_by_file)
    config = QuantizationConfig(
        config_groups={"group_0": scheme},
        format=fmt.value,
        quantization_status=QuantizationStatus.COMPRESSED,
        ignore=["lm_head"],
    )
    ModelCompressor(quantization_config=config).update_config(str(args.out))

    size = sum(path.stat().st_size for path in args.out.glob("*.safetensors")) / 1e9
    elapsed = time.time() - started
    print(f"  {total} layers, {size:.2f} GB of weights, in {elapsed:.1f} s", flush=True)


if __name__ == "__main__":
    main()
