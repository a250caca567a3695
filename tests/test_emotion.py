"""The emotion reader's heads agree: comfort is offered only for a feeling a friend comforts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from persona.emotion import COMFORTED, LABELS, EmotionReader


def reader_reading(label: str) -> EmotionReader:
    """A reader whose label head always says `label` and whose support head always fires."""
    dim = 4
    label_b = np.full(len(LABELS), -5.0, dtype=np.float32)
    label_b[LABELS.index(label)] = 5.0
    return EmotionReader(
        label_w=np.zeros((len(LABELS), dim), dtype=np.float32),
        label_b=label_b,
        intensity_w=np.zeros(dim, dtype=np.float32),
        intensity_b=0.5,
        support_w=np.zeros(dim, dtype=np.float32),
        support_b=5.0,
        support_threshold=0.5,
        split=2,
    )


@pytest.mark.parametrize("label", LABELS)
def test_support_only_goes_with_a_feeling_a_friend_comforts(label: str) -> None:
    reading = reader_reading(label).read(np.ones(4, dtype=np.float32))

    assert reading.label == label
    assert reading.support == (label in COMFORTED)


def test_every_labeled_line_that_needs_support_has_a_comforted_feeling() -> None:
    data = Path(__file__).parent / "data"
    rows = [
        json.loads(line)
        for name in ("emotion_train.jsonl", "emotion_dev.jsonl")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert {r["label"] for r in rows if r["support"]} <= COMFORTED
