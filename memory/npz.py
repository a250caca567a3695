"""Small trained artefacts as .npz files: the arrays, plus metadata (data hash, figures)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np


def save_npz(path: Path, arrays: Mapping[str, object], meta: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    named: dict[str, object] = {k: np.asarray(v) for k, v in meta.items()}
    named |= {k: np.asarray(v) for k, v in arrays.items()}
    np.savez_compressed(path, **named)  # type: ignore[arg-type]
