"""The OpenAPI document, written to `openapi.json` at the repository root: what the typed SDK
is generated from, and what a reviewer diffs when the API changes.

    python -m service.openapi            # write it
    python -m service.openapi --check    # exit 1 if the file differs from what the app serves
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.app import create_app

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"


def served() -> dict[str, Any]:
    """The document the app serves at /openapi.json (no lifespan: nothing starts)."""
    return create_app().openapi()


def render(document: dict[str, Any]) -> str:
    # Keys in the order the app gives them, so a diff reads like the routes.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = render(served())
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
            sys.exit(f"{DOCUMENT.name} is stale: run `python -m service.openapi`")
        print(f"{DOCUMENT.name} is current")
        return
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT} ({len(text):,} bytes)")


if __name__ == "__main__":
    main()
