"""One call that prepares and starts the local model, as the embedded mode and the tests use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from core.settings import Settings
from persona.adapters import trained_reply_adapter
from service.runtime.environment import ensure_vllm_env
from service.runtime.int8 import ensure_int8
from service.runtime.model import ensure_model, local_model
from service.runtime.server import VLLMServer


def base_model_dir(settings: Settings, console: Console | None = None) -> Path:
    """The converted model in its own (bf16) weights, made if missing: what training and
    merging start from, whatever weights the server runs."""
    python = ensure_vllm_env(settings.cache_dir, settings.vllm_version, console)
    return ensure_model(settings.cache_dir, python, local_model(settings.llm_model), console)


def prepare(settings: Settings, console: Console | None = None) -> VLLMServer:
    """Install and convert what is missing; return a server ready to start (not started)."""
    python = ensure_vllm_env(settings.cache_dir, settings.vllm_version, console)
    model = base_model_dir(settings, console)
    lora_rank = settings.vllm_max_lora_rank
    weights = settings.served_weights
    if weights == "int8":
        adapter = trained_reply_adapter(settings)
        model = ensure_int8(settings.cache_dir, python, model, adapter, console)
        # LoRA on int8 layers goes through our plugin (service/runtime/int8_lora.py) and costs
        # every reply ~15% of its speed: only the summarization adapter asks for it.
        if settings.extractor != "summarizer":
            lora_rank = 0
    return VLLMServer(
        python=python,
        model_dir=model,
        served_name=settings.llm_model,
        cache_dir=settings.cache_dir,
        log_file=settings.data_dir / "logs" / "vllm.log",
        port=settings.vllm_port,
        enforce_eager=settings.vllm_enforce_eager,
        kvcache_gib=settings.vllm_kvcache_gib,
        max_model_len=settings.vllm_max_model_len,
        max_lora_rank=lora_rank,
        cpu_cores=settings.vllm_cpu_cores,
        prefix_caching=settings.vllm_prefix_caching,
        dtype="float32" if weights == "fp32" else "bfloat16",
        extra_args=list(settings.vllm_extra_args),
    )


@contextmanager
def model_endpoint(settings: Settings, console: Console | None = None) -> Iterator[str]:
    """`NPC_LLM_BASE_URL` if set; else the local server, started here and stopped on exit."""
    if settings.llm_base_url is not None:
        yield settings.llm_base_url
        return
    server = prepare(settings, console)
    try:
        yield server.start(settings.vllm_start_timeout_s)
    finally:
        server.stop()
