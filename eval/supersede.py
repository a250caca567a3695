"""Does a new note end an older one? The supersede judge on the held-out pairs.

    python -m eval.supersede [--data tests/data/supersede_dev.jsonl]

Each pair is an old note and a new note of the same player, labeled with whether the new one
makes the old one no longer true; and each new note is read against three old notes of other
pairs of the same type (none of which it should end). Scores, in one run, the resolver before
and after the trained judge. Both keep the identity rule (an identity note of the same slot, as
the extraction heads read it, ends the old one: a new home, a new job); before, a negation word
in the new note (a list for English, Spanish, German, French and Chinese) with MiniLM cosine ≥
0.5 to the old one ended it too; now the judge decides. The judge alone is scored as well.
Precision matters most: a wrong supersede hides a fact that is still true.
Writes eval/results/supersede.json.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from memory.embedding import shared_minilm, unit_rows
from memory.events import EVENT_TYPES
from memory.extraction.classifier import Heads
from memory.features import shared_featurizer
from memory.supersede import SupersedeJudge
from memory.supersede_train import Pair, embed_pairs, load_pairs, with_unrelated

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "supersede_dev.jsonl"
RESULTS = ROOT / "eval" / "results" / "supersede.json"

# The rule the judge replaced (memory/extraction/resolver.py before the judge), kept here as
# the baseline it is measured against.
_NEGATION = re.compile(
    r"\b(?:not|no longer|anymore|any more|don't|doesn't|didn't|never|quit|stopped|broke up|"
    r"gave up|no más|ya no|dejé|nunca|nicht mehr|kein|plus)\b|不再|不是|没有|已经不|分手|戒了|辞职",
    re.IGNORECASE,
)
NEGATION_COSINE = 0.5


def word_rule(pairs: list[Pair]) -> np.ndarray:
    texts = sorted({p.old for p in pairs} | {p.new for p in pairs})
    vectors = dict(
        zip(texts, unit_rows(np.asarray(shared_minilm().embed_sync(texts))), strict=True)
    )
    return np.array(
        [
            bool(_NEGATION.search(p.new))
            and float(vectors[p.new] @ vectors[p.old]) >= NEGATION_COSINE
            for p in pairs
        ]
    )


def same_identity_slot(pairs: list[Pair]) -> np.ndarray:
    """Both notes read as identity facts of one slot (the old note's type is labeled; the new
    one's is the heads' most likely type)."""
    heads = Heads.load()
    featurize = shared_featurizer()
    new = featurize([p.new for p in pairs])
    old = featurize([p.old for p in pairs])
    new_type = heads.type_probabilities(new).argmax(axis=1)
    identity = EVENT_TYPES.index("identity")
    return np.array(
        [
            p.type == "identity" and int(t) == identity and a == b
            for p, t, a, b in zip(pairs, new_type, heads.slots(new), heads.slots(old), strict=True)
        ]
    )


def judged(pairs: list[Pair], judge: SupersedeJudge) -> np.ndarray:
    vectors = embed_pairs(pairs)
    rows = zip(*vectors, strict=True)
    p = np.array([judge.probabilities(n, o[None], nd, od[None])[0] for n, o, nd, od in rows])
    return p >= judge.ends.threshold


def figures(truth: np.ndarray, said: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(truth & said))
    fp = int(np.sum(~truth & said))
    fn = int(np.sum(truth & ~said))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "wrong_supersedes": fp,
        "pairs": len(truth),
    }


def by_language(
    pairs: Sequence[Pair], truth: np.ndarray, said: np.ndarray
) -> dict[str, dict[str, float]]:
    english = np.array([p.lang == "en" for p in pairs])
    return {
        "all": figures(truth, said),
        "english": figures(truth[english], said[english]),
        "other_languages": figures(truth[~english], said[~english]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    console = Console()
    judge = SupersedeJudge.load()
    if judge is None:
        raise SystemExit("no supersede judge: run `make train-supersede`")
    pairs = load_pairs(args.data)
    truth = np.array([p.supersedes for p in pairs])
    slot = same_identity_slot(pairs)
    judge_says = judged(pairs, judge)
    # Each new note against three old notes of other pairs of its type: what the resolver
    # mostly meets among a player's nearest notes of a kind. None of them should end.
    unrelated = with_unrelated(pairs, 3, seed=11)[len(pairs) :]
    unrelated_ended = {
        "before: identity slot + negation words": int(
            np.sum(same_identity_slot(unrelated) | word_rule(unrelated))
        ),
        "now: identity slot + judge": int(
            np.sum(same_identity_slot(unrelated) | judged(unrelated, judge))
        ),
        "the judge alone": int(np.sum(judged(unrelated, judge))),
    }
    result: dict[str, Any] = {
        "data": str(args.data.relative_to(ROOT))
        if args.data.is_relative_to(ROOT)
        else str(args.data),
        "before: identity slot + negation words": by_language(
            pairs, truth, slot | word_rule(pairs)
        ),
        "now: identity slot + judge": by_language(pairs, truth, slot | judge_says),
        "the judge alone": by_language(pairs, truth, judge_says),
        "unrelated_pairs": len(unrelated),
        "unrelated_ended": unrelated_ended,
    }
    table = Table(title=f"supersede on {len(pairs)} held-out pairs ({int(truth.sum())} true)")
    for column in ("method", "subset", "precision", "recall", "F1", "wrong supersedes"):
        table.add_column(column)
    for method in unrelated_ended:
        for subset, f in result[method].items():
            table.add_row(
                method,
                subset,
                f"{f['precision']:.3f}",
                f"{f['recall']:.3f}",
                f"{f['f1']:.3f}",
                str(f["wrong_supersedes"]),
            )
    console.print(table)
    for method, count in unrelated_ended.items():
        console.print(f"{method}: ended {count} of {len(unrelated)} notes about something else")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
