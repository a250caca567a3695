"""`NPC_VLLM_WEIGHTS=auto`: the served weights follow what this CPU runs fast (int8 with AMX or
AVX-512 VNNI, else fp32), and fp32 reaches vLLM as `--dtype float32` with LoRA on."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cpu import cpu_flags, fastest_lora_weights, fastest_weights
from core.settings import Settings
from service.runtime.environment import RuntimeSetupError
from service.runtime.local import prepare
from tests.conftest import finished_runtime

SAPPHIRE_RAPIDS = frozenset(
    {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8"}
)
EPYC_AVX2 = frozenset({"avx", "avx2", "fma", "f16c"})


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu avx2 amx_int8\n")
    assert cpu_flags(cpuinfo) == frozenset({"fpu", "avx2", "amx_int8"})
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_int8_where_its_kernels_are_fast_else_fp32() -> None:
    assert fastest_weights(SAPPHIRE_RAPIDS) == "int8"
    assert fastest_weights(frozenset({"avx512_vnni"})) == "int8"
    assert fastest_weights(EPYC_AVX2) == "fp32"
    assert fastest_lora_weights(SAPPHIRE_RAPIDS) == "bf16"
    assert fastest_lora_weights(EPYC_AVX2) == "fp32"


def test_auto_resolves_for_this_machine_and_an_explicit_choice_stands() -> None:
    assert Settings().served_weights == fastest_weights(cpu_flags())
    for weights in ("int8", "bf16", "fp32"):
        assert Settings(vllm_weights=weights).served_weights == weights


def test_fp32_weights_reach_vllm_as_float32_with_lora_on(tmp_path: Path) -> None:
    env, model = finished_runtime(tmp_path, "9.9.9")
    # A stand-in interpreter that prints the command line it was given and exits: what is
    # under test is the command the runtime builds (the e2e tests start the real server).
    (env / "bin" / "python").write_text('#!/bin/sh\necho "args: $*"\nexit 3\n')
    (env / "bin" / "python").chmod(0o755)
    settings = Settings(
        data_dir=tmp_path / "var", cache_dir=tmp_path, vllm_version="9.9.9", vllm_weights="fp32"
    )

    server = prepare(settings)

    assert server.model_dir == model  # the converted weights, cast by vLLM at load
    assert server.max_lora_rank == settings.vllm_max_lora_rank > 0
    with pytest.raises(RuntimeSetupError, match="--dtype float32") as failed:
        server.start(timeout_s=30)
    assert "--enable-lora" in str(failed.value)


def test_training_starts_from_the_models_own_weights_where_the_server_runs_int8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training.train import default_model_dir

    _, model = finished_runtime(tmp_path, "9.9.9")
    monkeypatch.setenv("NPC_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NPC_VLLM_VERSION", "9.9.9")
    monkeypatch.setenv("NPC_VLLM_WEIGHTS", "int8")

    # The int8 folder holds compressed-tensors weights that transformers cannot train.
    assert default_model_dir() == model
