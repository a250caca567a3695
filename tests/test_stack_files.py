"""The compose file and Dockerfile are validated here (no Docker engine runs on these machines)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def test_compose_has_the_stack_services() -> None:
    services = _compose()["services"]
    assert {"gateway", "worker", "redis", "postgres", "qdrant", "vllm-cpu", "vllm-gpu"} <= set(
        services
    )
    assert services["worker"]["command"] == ["python", "-m", "memory"]
    assert services["worker"]["environment"]["NPC_MEMORY_STORE"] == "qdrant"
    assert services["gateway"]["environment"]["NPC_RUN_WORKER"] == "false"
    assert "--appendonly" in services["redis"]["command"]
    assert services["vllm-cpu"]["profiles"] == ["cpu"]
    assert services["vllm-gpu"]["profiles"] == ["gpu"]


def test_gateway_environment_names_real_settings() -> None:
    """Every NPC_* variable the stack sets must be a field the settings object reads."""
    fields = {f"NPC_{name.upper()}" for name in Settings.model_fields}
    for name in ("gateway", "worker"):
        env = _compose()["services"][name]["environment"]
        assert set(env) <= fields, set(env) - fields


def test_gateway_depends_only_on_defined_services_and_built_targets_exist() -> None:
    compose = _compose()
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
    targets = set(re.findall(r"^FROM \S+ AS (\S+)$", (ROOT / "Dockerfile").read_text(), re.M))
    for service in services.values():
        if "build" in service:
            assert service["build"]["target"] in targets
    for copied in re.findall(r"^COPY (\S+) \S+$", (ROOT / "Dockerfile").read_text(), re.M):
        assert (ROOT / copied).exists(), copied
