"""Evidence recall on a conversation file in the LoCoMo layout (`locomo10.json`).

    python -m eval.locomo path/to/locomo10.json [--k 5 10] [--limit-samples N]

Each dialogue turn is stored as a memory of its conversation (in a scratch edge shard); each
question is recalled against its own conversation, and a question counts as found at k when all
its evidence turns (`dia_id`) are among the top k; adversarial questions (category 5) are left
out, as memory layers report (1,540 questions in locomo10.json). Three rankings in one run:
plain MiniLM similarity (what memory layers report with this embedder), multilingual-e5 reading
the question as a query, and the service's search (`events:search`: MiniLM, e5, BM25 and the
bearing judge, fused by rank). Prints and writes
eval/results/locomo.json. The data set is not shipped: bring your own copy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track

from core.conversation import Conversation
from memory.bearing import BearingJudge
from memory.embedding import e5_query, shared_minilm
from memory.events import Event
from memory.features import shared_featurizer, shared_note_embedder
from memory.recall import RecallConfig, Recaller
from memory.store.edge import EdgeMemoryStore

RESULTS = Path(__file__).resolve().parent / "results" / "locomo.json"
ADVERSARIAL = 5
_SESSION = re.compile(r"^session_\d+$")


def dialogue_turns(sample: dict[str, Any]) -> list[dict[str, str]]:
    conversation = sample["conversation"]
    turns = []
    for key in sorted(
        (k for k in conversation if _SESSION.match(k)), key=lambda k: int(k.split("_")[1])
    ):
        for turn in conversation[key]:
            turns.append(
                {
                    "dia_id": turn["dia_id"],
                    "text": f"{turn.get('speaker', '')}: {turn.get('text', '')}".strip(),
                }
            )
    return turns


async def evaluate(
    samples: list[dict[str, Any]], ks: list[int], console: Console
) -> dict[str, Any]:
    embedder = shared_minilm()
    rows = ("minilm_dense", "e5_query_dense", "service_search")
    found = {row: {k: 0 for k in ks} for row in rows}
    questions = 0
    with tempfile.TemporaryDirectory() as scratch:
        store = EdgeMemoryStore(Path(scratch) / "shard", embedder.dim)
        recaller = Recaller(
            store, embedder, RecallConfig(), BearingJudge.load(), shared_featurizer()
        )
        for index, sample in enumerate(
            track(samples, description="conversations", console=console)
        ):
            scope = Conversation("locomo", "eval", f"sample-{index}")
            turns = dialogue_turns(sample)
            events = [
                Event(
                    id=str(uuid.uuid4()),
                    tenant_id=scope.tenant_id,
                    persona_id=scope.persona_id,
                    player_id=scope.player_id,
                    type="experience",
                    subject=t["dia_id"],
                    summary=t["text"][:500] or "-",
                )
                for t in turns
            ]
            embedded = await shared_note_embedder()([e.summary for e in events])
            await store.upsert(events, embedded.dense, embedded.e5)
            for qa in sample.get("qa", []):
                evidence = set(qa.get("evidence") or [])
                # Category 5 (adversarial, unanswerable) is left out, as memory layers report.
                if not evidence or qa.get("category") == ADVERSARIAL:
                    continue
                questions += 1
                question = str(qa["question"])
                [vector] = await embedder.embed([question])
                ranked = {
                    "minilm_dense": await store.search(scope, vector, max(ks)),
                    "e5_query_dense": await store.search(
                        scope, e5_query(question).tolist(), max(ks), e5=True
                    ),
                    "service_search": await recaller.search(scope, question, max(ks)),
                }
                for row, hits in ranked.items():
                    subjects = [h.event.subject for h in hits]
                    for k in ks:
                        found[row][k] += evidence <= set(subjects[:k])
        await store.close()
    return {
        "conversations": len(samples),
        "questions": questions,
        **{
            row: {f"evidence_recall@{k}": round(found[row][k] / max(1, questions), 3) for k in ks}
            for row in rows
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--limit-samples", type=int, default=None)
    args = parser.parse_args()
    console = Console()
    samples = json.loads(args.path.read_text())
    if isinstance(samples, dict):
        samples = [samples]
    result = asyncio.run(evaluate(samples[: args.limit_samples], args.k, console))
    result["file"] = str(args.path)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)


if __name__ == "__main__":
    main()
