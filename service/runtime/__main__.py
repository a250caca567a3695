"""`python -m service.runtime prepare`: install the vLLM CPU environment and convert the model."""

from __future__ import annotations

import sys

from rich.console import Console

from core.settings import Settings
from service.runtime.local import prepare


def main() -> int:
    if sys.argv[1:] != ["prepare"]:
        print("usage: python -m service.runtime prepare", file=sys.stderr)
        return 2
    settings = Settings()
    if settings.llm_base_url:
        print(f"NPC_LLM_BASE_URL is set ({settings.llm_base_url}): no local model needed")
        return 0
    server = prepare(settings, Console(stderr=True))
    print(f"local model ready: {server.model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
