"""Generate the Python SDK (sdk/python/npc_dialogue_client) from openapi.json.

    python sdk/generate.py            # write it (`make sdk`)
    python sdk/generate.py --check    # exit 1 if the checked-in SDK differs from a fresh one

Only the generated package is written; the hand-written layer (sdk/python/npc_dialogue) and
the package metadata (sdk/python/pyproject.toml) are left alone.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCUMENT = ROOT / "openapi.json"
CONFIG = HERE / "openapi-python-client.yaml"
PACKAGE = HERE / "python" / "npc_dialogue_client"


def generate(into: Path) -> None:
    bin_dir = Path(sys.executable).parent  # the generator and ruff of this environment
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(DOCUMENT),
        "--config",
        str(CONFIG),
        "--meta",
        "none",
        "--output-path",
        str(into),
        "--overwrite",
    ]
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    shutil.rmtree(into / ".ruff_cache", ignore_errors=True)


def differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right, ignore=["__pycache__", ".ruff_cache"])
    found: list[str] = []

    def walk(node: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(f"{prefix}{name}: only in the checked-in SDK" for name in node.left_only)
        found.extend(f"{prefix}{name}: missing from the checked-in SDK" for name in node.right_only)
        # dircmp's diff_files compares shallowly (size and time); compare the bytes.
        for name in node.common_files:
            if (Path(node.left) / name).read_bytes() != (Path(node.right) / name).read_bytes():
                found.append(f"{prefix}{name}: differs")
        for name, child in node.subdirs.items():
            walk(child, f"{prefix}{name}/")

    walk(compared, "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    if not args.check:
        generate(PACKAGE)
        print(f"wrote {PACKAGE.relative_to(ROOT)}")
        return
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "npc_dialogue_client"
        generate(fresh)
        stale = differences(PACKAGE, fresh) if PACKAGE.exists() else ["the SDK is missing"]
    if stale:
        sys.exit("the SDK is stale (run `make sdk`):\n  " + "\n  ".join(stale))
    print("the SDK is current")


if __name__ == "__main__":
    main()
