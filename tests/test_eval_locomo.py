"""The LoCoMo-format evidence recall command, on a tiny file in that layout."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rich.console import Console

from eval.locomo import dialogue_turns, evaluate

SAMPLE = Path(__file__).parent / "data" / "locomo_sample.json"


def test_turns_are_read_session_by_session_in_order() -> None:
    [sample] = json.loads(SAMPLE.read_text())
    ids = [t["dia_id"] for t in dialogue_turns(sample)]
    assert ids == ["D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2", "D2:3"]


def test_evidence_recall_counts_questions_whose_evidence_is_in_the_top_k() -> None:
    samples = json.loads(SAMPLE.read_text())
    result = asyncio.run(evaluate(samples, [1, 5], Console(quiet=True)))
    assert result["questions"] == 5
    for row in ("minilm_dense", "service_search"):
        assert result[row]["evidence_recall@5"] == 1.0
        # At k=1 the one turn retrieved must be the evidence itself for a hit.
        assert 0.4 <= result[row]["evidence_recall@1"] <= 1.0

    broken = json.loads(SAMPLE.read_text())
    broken[0]["qa"][0]["evidence"] = ["D9:9"]  # evidence that is not in the conversation
    again = asyncio.run(evaluate(broken, [5], Console(quiet=True)))
    assert again["service_search"]["evidence_recall@5"] == 0.8
