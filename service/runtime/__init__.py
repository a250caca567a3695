"""The local model runtime: a vLLM CPU environment, the converted model, the server process.

Each step is skipped when already done; the environment and the model live in the user's cache
(keyed by version and checksum), so a fresh clone reuses them.
"""
