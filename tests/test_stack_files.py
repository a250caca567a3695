"""The compose file and Dockerfile, validated here (no Docker engine runs on these machines):
the services and their order, a health check on each, named volumes, every file a build
names, unprivileged images with a HEALTHCHECK; `docker compose config` where the plugin is."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def _stages() -> dict[str, str]:
    """Each build stage's name and text."""
    parts = re.split(r"^(?=FROM )", DOCKERFILE, flags=re.M)
    stages = {}
    for part in parts:
        named = re.match(r"FROM \S+ AS (\S+)", part)
        if named:
            stages[named.group(1)] = part
    return stages


def test_compose_has_the_stack_services() -> None:
    services = _compose()["services"]
    assert {
        "migrate",
        "gateway",
        "worker",
        "redis",
        "postgres",
        "qdrant",
        "vllm-cpu",
        "vllm-gpu",
    } <= set(services)
    assert services["gateway"]["deploy"]["replicas"] >= 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["worker"]["command"] == ["python", "-m", "memory"]
    assert services["migrate"]["command"] == ["python", "-m", "service.migrate"]
    assert services["worker"]["environment"]["NPC_MEMORY_STORE"] == "qdrant"
    assert services["gateway"]["environment"]["NPC_RUN_WORKER"] == "false"
    assert services["gateway"]["environment"]["NPC_MIGRATE_ON_START"] == "false"
    assert "--appendonly" in services["redis"]["command"]
    assert services["vllm-cpu"]["profiles"] == ["cpu"]
    assert services["vllm-gpu"]["profiles"] == ["gpu"]


def test_every_long_running_service_has_a_health_check() -> None:
    for name, service in _compose()["services"].items():
        if name == "migrate":  # one-shot: its health is exiting 0, which the gateways await
            assert service["restart"] == "no"
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), name


def test_the_order_of_start_is_data_first_then_schema_then_gateways() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
    gateway = services["gateway"]["depends_on"]
    assert gateway["migrate"] == {"condition": "service_completed_successfully"}
    for store in ("postgres", "redis", "qdrant"):
        assert gateway[store] == {"condition": "service_healthy"}, store
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    # Workers need no database: each queued line carries its persona's extraction settings.
    assert set(services["worker"]["depends_on"]) == {"redis", "qdrant"}


def test_data_lives_in_named_volumes_that_are_declared() -> None:
    compose = _compose()
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith(("$", ".", "/")):
                used.add(source)
    assert used == declared
    for store, path in (
        ("redis", "/data"),
        ("postgres", "/var/lib/postgresql/data"),
        ("qdrant", "/qdrant/storage"),
    ):
        assert any(v.endswith(f":{path}") for v in compose["services"][store]["volumes"]), store


def test_the_environment_names_real_settings() -> None:
    """Every NPC_* variable the stack sets must be a field the settings object reads."""
    fields = {f"NPC_{name.upper()}" for name in Settings.model_fields}
    for name in ("migrate", "gateway", "worker"):
        env = _compose()["services"][name]["environment"]
        assert set(env) <= fields, set(env) - fields
    example = (ROOT / ".env.example").read_text()
    for variable in re.findall(r"^(NPC_\w+)=", example, re.M):
        assert variable in fields or variable in (ROOT / "docker-compose.yml").read_text()


def test_the_stack_needs_only_what_env_example_names() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yml").read_text()))
    example = set(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.M))
    assert required and required <= example


def test_every_build_target_and_copied_path_exists() -> None:
    stages = _stages()
    for service in _compose()["services"].values():
        if "build" in service:
            assert service["build"]["target"] in stages
            assert (ROOT / service["build"]["context"]).is_dir()
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+) \S+$", DOCKERFILE, re.M):
        assert (ROOT / source).exists(), source
    # Every package the project installs is copied in (a missing one breaks the image's imports).
    gateway_build = stages["gateway-build"]
    for package in ("core", "memory", "persona", "service", "training", "migrations"):
        assert re.search(rf"^COPY {package} {package}$", gateway_build, re.M), package


def test_images_run_unprivileged_with_a_health_check() -> None:
    stages = _stages()
    for target in ("gateway", "vllm-cpu"):
        stage = stages[target]
        user = re.findall(r"^USER (\S+)$", stage, re.M)
        assert user and user[-1] not in ("root", "0"), target
        assert "HEALTHCHECK" in stage, target
        # Multi-stage: what was built is copied from a build stage, not built here.
        assert "COPY --from=" in stage and "pip install" not in stage, target


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    plugin = docker and subprocess.run([docker, "compose", "version"], capture_output=True)
    if not docker or plugin is None or plugin.returncode != 0:
        pytest.skip("no `docker compose` plugin on this machine: the file is checked above")
    env = tmp_path / ".env"
    env.write_text("NPC_DEV_API_KEY=npc_test\nPOSTGRES_PASSWORD=test\n")
    for profile in ("cpu", "gpu"):
        result = subprocess.run(
            [docker, "compose", "--env-file", str(env), "--profile", profile, "config", "-q"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
