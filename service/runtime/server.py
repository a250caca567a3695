"""The vLLM OpenAI-compatible server as a child process: started, waited for, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog

from service.runtime.environment import RuntimeSetupError

log = structlog.get_logger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class VLLMServer:
    python: Path
    model_dir: Path
    served_name: str
    cache_dir: Path
    log_file: Path
    port: int = 0
    enforce_eager: bool = True
    kvcache_gib: int = 2
    max_model_len: int = 2048
    # Per-persona LoRA adapters, loaded at run time through /v1/load_lora_adapter.
    max_lora_rank: int = 16
    # vLLM CPU pins its OpenMP threads to these cores ("0-1": both here); "auto" leaves one free.
    cpu_cores: str = "auto"
    prefix_caching: bool = True
    # What the layers compute in: bf16 (int8 weights also run their activations in it) or
    # float32, which vLLM casts the bf16 weights to at load (fastest on AVX2-only CPUs).
    dtype: str = "bfloat16"
    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout_s: float = 300.0) -> str:
        """Start the server and block until it answers /health; return its /v1 base URL."""
        if self.port == 0:
            self.port = free_port()
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "VLLM_CACHE_ROOT": str(self.cache_dir / "vllm"),
            "TORCHINDUCTOR_CACHE_DIR": str(self.cache_dir / "inductor"),
            "VLLM_CPU_KVCACHE_SPACE": str(self.kvcache_gib),
            "VLLM_CPU_OMP_THREADS_BIND": self.cpu_cores,
            "VLLM_NO_USAGE_STATS": "1",
            "DO_NOT_TRACK": "1",
            "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
            **self.extra_env,
        }
        command = [
            str(self.python),
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(self.model_dir),
            "--served-model-name",
            self.served_name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dtype",
            self.dtype,
            "--max-model-len",
            str(self.max_model_len),
            *(["--enforce-eager"] if self.enforce_eager else []),
            "--enable-prefix-caching" if self.prefix_caching else "--no-enable-prefix-caching",
            *(
                ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank), "--max-loras", "4"]
                if self.max_lora_rank
                else []
            ),
            *self.extra_args,
        ]
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            # Its own process group, so stop() takes the engine's worker processes too.
            self._process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        log.info("vllm.starting", port=self.port, log=str(self.log_file))
        started = time.monotonic()
        self._wait_ready(timeout_s)
        log.info("vllm.ready", port=self.port, seconds=round(time.monotonic() - started, 1))
        return self.base_url

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        health = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeSetupError(
                    f"vLLM exited with {self._process.returncode} while starting; "
                    f"see {self.log_file}:\n{_tail(self.log_file)}"
                )
            try:
                if httpx.get(health, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeSetupError(f"vLLM not ready after {timeout_s:.0f} s; see {self.log_file}")

    def stop(self, grace_s: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.info("vllm.stopped", port=self.port)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
