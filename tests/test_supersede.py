"""The supersede judge: the shipped artefact is what `make train-supersede` builds from the
labeled pairs, and it reads pairs as the resolver gives them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from memory import supersede_train
from memory.supersede import SupersedeJudge
from memory.supersede_train import Pair, embed_pairs


def shipped() -> SupersedeJudge:
    judge = SupersedeJudge.load()
    assert judge is not None, "memory/artefacts/supersede.npz is shipped"
    return judge


def test_training_rebuilds_the_shipped_judge_from_the_labeled_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "supersede.npz"
    monkeypatch.setattr(sys, "argv", ["supersede_train", "--out", str(out)])

    supersede_train.main()

    rebuilt, judge = SupersedeJudge.load(out), shipped()
    assert rebuilt is not None
    for ours, theirs in ((rebuilt.ends, judge.ends), (rebuilt.related, judge.related)):
        assert ours.threshold == theirs.threshold
        assert np.allclose(ours.weights, theirs.weights, atol=1e-3)


def test_a_saved_judge_loads_back_and_decides_alike(tmp_path: Path) -> None:
    judge = shipped()
    pairs = [
        Pair("Lives in a lighthouse on the cape", "Sold the lighthouse and moved inland", True),
        Pair("Has a dog named Rex", "Rex learned to fetch", False),
    ]
    new, old, new_dense, old_dense = embed_pairs(pairs)
    judge.save(tmp_path / "judge.npz")
    loaded = SupersedeJudge.load(tmp_path / "judge.npz")
    assert loaded is not None

    for i in range(len(pairs)):
        args = (new[i], old[i : i + 1], new_dense[i], old_dense[i : i + 1])
        assert loaded.replaced(*args) == judge.replaced(*args)
        assert np.allclose(loaded.probabilities(*args), judge.probabilities(*args), atol=1e-6)


def test_no_judge_is_found_where_none_was_trained(tmp_path: Path) -> None:
    assert SupersedeJudge.load(tmp_path / "missing.npz") is None
