"""The shared featurizer under concurrent callers: requests that arrive while the models run
are combined into one batch, and every caller gets the rows it would have got alone."""

from __future__ import annotations

import threading

import numpy as np

from memory.embedding import shared_minilm
from memory.extraction.classifier import Featurizer
from memory.features import CachedFeaturize

TEXTS = [
    "I have a sensitive stomach",
    "My sister Lena is getting married",
    "我下周要去北方送信",
    "Me encanta el chocolate amargo",
    "The cellar floods every spring",
    "I'm allergic to cats",
    "Je déteste la pluie",
    "Ich habe Angst vor Hunden",
]


class Counted:
    """The real featurizer, counting its calls."""

    def __init__(self) -> None:
        self.inner = Featurizer(shared_minilm())
        self.calls: list[int] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def english_dim(self) -> int:
        return self.inner.english_dim

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner(texts)


def test_concurrent_callers_share_batches_and_get_their_own_rows() -> None:
    alone = {text: Featurizer(shared_minilm())([text])[0] for text in TEXTS}
    counted = Counted()
    featurize = CachedFeaturize(counted)
    start = threading.Barrier(len(TEXTS))
    got: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        start.wait()
        got[text] = featurize([text, "the same greeting for everyone"])[0]

    threads = [threading.Thread(target=ask, args=(t,)) for t in TEXTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counted.calls) == len(TEXTS) + 1  # each text embedded once, the shared one too
    assert len(counted.calls) < len(TEXTS)  # combined: fewer model runs than callers
    for text in TEXTS:
        np.testing.assert_allclose(got[text], alone[text], atol=1e-4)
