"""The layers import one way: service → persona → memory → core, with training, eval and bench
above them all. A module that reaches up (memory reading the HTTP settings, persona raising an
HTTP error) ties the lower layer to the higher one: this test reads every module's imports,
the ones inside functions too, and names each arrow that runs the wrong way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"core": 0, "memory": 1, "persona": 2, "service": 3, "training": 4, "eval": 4, "bench": 4}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def wrong_way_imports() -> list[str]:
    wrong = []
    for package, rank in LAYERS.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported, line in sorted(imported_packages(path)):
                if LAYERS.get(imported, -1) > rank:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


def test_every_layer_imports_only_the_layers_below_it() -> None:
    assert wrong_way_imports() == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from service.app import create_app\n    return create_app\n")
    assert ("service", 2) in imported_packages(module)
