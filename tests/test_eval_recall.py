"""The recall eval's longer players: memories lent from other cases, never counted relevant."""

from __future__ import annotations

import json
from pathlib import Path

from eval.recall import with_unrelated

DEV = Path(__file__).parent / "data" / "recall_dev.jsonl"


def test_each_player_gets_n_memories_of_other_cases_and_none_is_relevant() -> None:
    cases = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()][:10]

    padded = with_unrelated(cases, 20)

    for case, longer in zip(cases, padded, strict=True):
        lent = longer["memories"][len(case["memories"]) :]
        assert len(lent) == 20
        assert not {m["id"] for m in lent} & set(case["relevant"])
        own = {m["summary"] for m in case["memories"]}
        others = {m["summary"] for c in cases if c["id"] != case["id"] for m in c["memories"]}
        assert {m["summary"] for m in lent} <= others | own
    assert with_unrelated(cases, 20) == padded  # the same players on every run
    assert with_unrelated(cases, 0) == cases
