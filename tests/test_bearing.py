"""The bearing judge: MiniLM and multilingual-e5 scorers, mixed; the shipped artefact and older
ones; recall over a real edge shard with the shared featurizer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from memory.bearing import BearingJudge, Scorer, sigmoid
from memory.embedding import shared_minilm
from memory.features import shared_featurizer
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore
from memory.wiring import bearing_judge
from tests.test_recall import ALICE, NOW, fact, remember

DIM = 8


def _scorer(rng: np.random.Generator) -> Scorer:
    def m(*shape: int) -> np.ndarray:
        return rng.normal(size=shape).astype(np.float32)

    return Scorer(a=m(4, DIM), b_=m(4, DIM), w=m(DIM), type_bias=m(9), type_scale=m(9), bias=0.1)


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_a_saved_judge_loads_back_and_scores_alike(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    judge = BearingJudge(_scorer(rng), _scorer(rng), mix=0.7, threshold=0.6, cap=3, margin=0.3)
    line, memories, e5 = _unit(rng, 1)[0], _unit(rng, 5), (_unit(rng, 1)[0], _unit(rng, 5))
    types = ["health", "plan", "identity", "custom", "emotion"]
    judge.save(tmp_path / "bearing.npz", pairs=10)

    loaded = BearingJudge.load(tmp_path / "bearing.npz")

    assert loaded is not None and loaded.reads_e5
    assert (loaded.threshold, loaded.cap) == (pytest.approx(0.6), 3)
    np.testing.assert_allclose(
        loaded.probabilities(line, memories, types, e5),
        judge.probabilities(line, memories, types, e5),
        atol=2e-3,  # the bilinear maps are stored as float16
    )


def test_an_older_minilm_only_artefact_still_loads_and_needs_no_e5(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    s = _scorer(rng)
    np.savez_compressed(  # the layout before the e5 scorer
        tmp_path / "old.npz",
        a=s.a, b_=s.b_, w=s.w, type_bias=s.type_bias, type_scale=s.type_scale,
        bias=np.float32(s.bias), threshold=np.float32(0.5), cap=np.int32(2),
        margin=np.float32(0.2), meta=np.array("{}"),
    )  # fmt: skip

    judge = BearingJudge.load(tmp_path / "old.npz")

    assert judge is not None and not judge.reads_e5
    p = judge.probabilities(_unit(rng, 1)[0], _unit(rng, 3), ["health", "plan", "identity"])
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()


def test_a_judge_that_reads_e5_is_never_run_without_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    judge = BearingJudge(_scorer(rng), _scorer(rng), mix=0.5)
    with pytest.raises(ValueError, match="e5"):
        judge.probabilities(_unit(rng, 1)[0], _unit(rng, 2), ["health", "plan"])
    store = EdgeMemoryStore(tmp_path / "shard", DIM)
    with pytest.raises(ValueError, match="featurize"):
        Recaller(store, shared_minilm(), RecallConfig(), judge)


def test_switching_the_multilingual_judge_off_leaves_the_minilm_scorer() -> None:
    shipped = bearing_judge(Settings())
    judge = bearing_judge(Settings(recall_multilingual=False))
    assert shipped is not None and shipped.reads_e5
    assert judge is not None and not judge.reads_e5
    rng = np.random.default_rng(3)
    dim = shared_minilm().dim
    line, memories = rng.normal(size=dim), rng.normal(size=(2, dim))
    p = judge.probabilities(line.astype(np.float32), memories.astype(np.float32), ["plan", "x"])
    np.testing.assert_allclose(
        p, sigmoid(shipped.minilm.logits(line, memories, ["plan", "x"])), rtol=1e-5
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EdgeMemoryStore]:
    store = EdgeMemoryStore(tmp_path / "shard", shared_minilm().dim)
    yield store
    await store.close()


OTHERS = {
    "es": ["Soy carpintero", "Me gusta la lluvia", "Mi hermana vive junto al mar"],
    "de": ["Ich bin Zimmermann", "Ich mag Regen", "Meine Schwester wohnt am Meer"],
    "zh": ["我是木匠", "我喜欢下雨天", "我姐姐住在海边"],
}


@pytest.mark.parametrize(
    ("lang", "memory", "line"),
    [
        ("es", "Tengo vértigo, las alturas me aterran", "¡Mañana subimos al campanario!"),
        ("de", "Ich bin allergisch gegen Bienenstiche", "Morgen helfen wir dem Imker beim Honig!"),
        ("zh", "我对花生过敏", "尝尝我做的花生炖菜吧，镇上最好吃的！"),
    ],
)
async def test_a_line_brings_back_what_bears_on_it_in_the_players_language(
    store: EdgeMemoryStore, lang: str, memory: str, line: str
) -> None:
    # MiniLM reads these poorly; with its say in the judge, "Tengo vértigo" scored 0.37.
    judge = BearingJudge.load()
    assert judge is not None and judge.reads_e5
    kinds = ["identity", "preference", "relationship"]
    others = [fact(i + 2, k, o) for i, (k, o) in enumerate(zip(kinds, OTHERS[lang], strict=True))]
    await remember(store, fact(1, "health", memory), *others)
    recaller = Recaller(store, shared_minilm(), RecallConfig(), judge, shared_featurizer())

    result = await recaller.recall(ALICE, line, NOW)

    assert [r.event.summary for r in result.items] == [memory]
