"""Evidence recall on a conversation file in the LoCoMo layout (`locomo10.json`).

    python -m eval.locomo path/to/locomo10.json [--k 5 10] [--limit-samples N]

Each dialogue turn is stored as a memory of its conversation (in a scratch edge shard); each
question is recalled against its own conversation with the service's embedder, and a question
counts as found at k when all its evidence turns (`dia_id`) are among the top k. Prints and
writes eval/results/locomo.json. The data set is not shipped: bring your own copy.
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

from memory.embedding import shared_minilm
from memory.events import Event
from memory.log import Conversation
from memory.store.edge import EdgeMemoryStore

RESULTS = Path(__file__).resolve().parent / "results" / "locomo.json"
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
    found = {k: 0 for k in ks}
    questions = 0
    with tempfile.TemporaryDirectory() as scratch:
        store = EdgeMemoryStore(Path(scratch) / "shard", embedder.dim)
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
            await store.upsert(events, await embedder.embed([e.summary for e in events]))
            for qa in sample.get("qa", []):
                evidence = set(qa.get("evidence") or [])
                if not evidence:
                    continue
                questions += 1
                [vector] = await embedder.embed([str(qa["question"])])
                hits = await store.search(scope, vector, max(ks))
                ranked = [h.event.subject for h in hits]
                for k in ks:
                    found[k] += evidence <= set(ranked[:k])
        await store.close()
    return {
        "conversations": len(samples),
        "questions": questions,
        **{f"evidence_recall@{k}": round(found[k] / max(1, questions), 3) for k in ks},
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
