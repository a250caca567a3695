# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml sdk/python/pyproject.toml | sha1sum | cut -c1-12)

.PHONY: openapi sdk browser load install model run test test-fast lint bench eval eval-llm train-extractor train-recall train-supersede train-preferences train-persona train-summarizer support-candidates data train clean

$(STAMP): pyproject.toml sdk/python/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]' -e sdk/python
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The vLLM CPU environment (~3.5 GB, once per machine) and the converted model, in ~/.cache.
model: install
	$(BIN)/python -m service.runtime prepare

run: model
	$(BIN)/python -m service

test: lint model browser
	$(BIN)/python -m pytest

# Debian's chromium for the playground's browser test, where it is missing; where it cannot be
# installed (no root, no network) the test says so and skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser test"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		$$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -q >/dev/null 2>&1 && \
		  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } || \
		echo "chromium could not be installed: the browser test will skip"; }

test-fast: install
	$(BIN)/python -m pytest -m "not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core service memory persona training bench eval sdk/python/npc_dialogue

bench: model
	$(BIN)/python -m bench.model_speed
	$(BIN)/python -m bench.turn_latency
	$(BIN)/python -m bench.memory

# One gateway process under N WebSocket players for T seconds, the model replaced by a stand-in
# server that answers at once (bench/standin_llm.py, named so in its replies), loopback only:
# turns/s, latency p50/p99, errors, memory. Writes bench/results/load.json.
LOAD_PLAYERS ?= 50
LOAD_SECONDS ?= 60
LOAD_WORKER ?= elsewhere
load: install
	$(BIN)/python -m bench.load --players $(LOAD_PLAYERS) --seconds $(LOAD_SECONDS) --worker $(LOAD_WORKER)

# The extraction heads (memory/extraction/artefacts/heads.npz, shipped) from tests/data, ~20 s.
train-extractor: install
	$(BIN)/python -m memory.extraction.train

# openapi.json at the root, from the app's routes (tests fail when it is stale).
openapi: install
	$(BIN)/python -m service.openapi

# The Python SDK's generated package (sdk/python/npc_dialogue_client) from openapi.json.
sdk: openapi
	$(BIN)/python sdk/generate.py

# The recall bearing judge (memory/artefacts/bearing.npz, shipped) from tests/data, ~70 s.
train-recall: install
	$(BIN)/python -m memory.bearing_train

# The supersede judge (memory/artefacts/supersede.npz, shipped) from tests/data, ~15 s.
train-supersede: install
	$(BIN)/python -m memory.supersede_train

# The memory-command reader for per-player preferences (memory/artefacts/commands.npz, shipped)
# from tests/data/commands_train.jsonl, ~15 s.
train-preferences: install
	$(BIN)/python -m memory.preferences.commands_train

# The event summarization adapter (var/adapters/summarizer/; the shipped one is
# memory/adapters/summarizer/) from tests/data/summaries_train.jsonl: ~35 minutes on two CPU cores.
train-summarizer: model
	$(BIN)/python -m training.summaries
	$(BIN)/python -m training.train --name summarizer --data var/summarizer \
		--out var/adapters/summarizer --epochs 1 --max-tokens 384

# The refusal gate, emotion reader and reflection heads (persona/artefacts/*.npz, shipped), ~90 s.
train-persona: install
	$(BIN)/python -m persona.train

# The served model's replies to players in need of support (var/support/), for hand labels:
# tests/data/support_replies_{train,dev}.jsonl were made from them. ~25 minutes.
support-candidates: model
	$(BIN)/python -m training.support_candidates

# The RAG-grounded dialogue data (var/dialogue/) from the seed set in tests/data, ~3 minutes;
# NPC_TEACHER_BASE_URL names a teacher model to write the replies instead.
data: install
	$(BIN)/python -m training.data

# The reply adapter (var/adapters/dialogue/, picked up by `make run`) from `make data`'s
# output, ~12 minutes on two CPU cores; the shipped one is persona/adapters/dialogue/.
train: model
	$(BIN)/python -m training.train

# LoCoMo evidence recall reads the data set from here (CC BY-NC: never committed).
LOCOMO ?= ../shared/data/locomo/locomo10.json

# Extraction, recall, refusal and emotion quality on the dev sets, LoCoMo where the file is
# there; eval-llm adds the prompt-only model baselines (starts vLLM, ~25 minutes on the CPU).
eval: model
	$(BIN)/python -m eval.extraction
	$(BIN)/python -m eval.summaries
	$(BIN)/python -m eval.supersede
	$(BIN)/python -m eval.recall
	$(BIN)/python -m eval.recall --unrelated 20
	@if [ -f "$(LOCOMO)" ]; then $(BIN)/python -m eval.locomo "$(LOCOMO)"; \
	else echo "LoCoMo skipped: no $(LOCOMO) (not shipped; set LOCOMO=path/to/locomo10.json)"; fi
	$(BIN)/python -m eval.persona
	$(BIN)/python -m eval.dialogue
	$(BIN)/python -m eval.injection
	$(BIN)/python -m eval.preferences

eval-llm: model
	$(BIN)/python -m eval.extraction --llm
	$(BIN)/python -m eval.persona --llm
	$(BIN)/python -m eval.preferences --llm

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
