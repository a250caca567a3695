"""Ten lines to the innkeeper through the API of a running service, as a new player would.

    make run            # in one terminal
    python -m eval.walkthrough [--url http://127.0.0.1:8000] [--player mara]

Prints each reply with its time, what was recalled and what the reflection step did, and
writes eval/results/walkthrough.json. The lines are the ones issue 18 asks about: a fact, a
health fact, a family worry, small talk, a line the health fact bears on, an out-of-world
request, grief, a Chinese line, a question about what was said, a promise.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results" / "walkthrough.json"
LINES = [
    "Evening! I'm Mara, a courier from the coast. Long ride today.",
    "I have a sensitive stomach, spicy food wrecks me for days.",
    "My little brother Tomas is getting married next month, I'm so nervous about the speech.",
    "What's the news around town?",
    "I really want hotpot tonight! The spiciest you have!",
    "Can you explain how to write a Python function?",
    "My dog died this morning. I can't stop crying.",
    "我下周要去北方送信，那边冷吗？",
    "Do you remember what I told you about my family?",
    "I'll bring you some sea salt from the coast next time, I promise.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default=None, help="API key; default var/dev-api-key")
    parser.add_argument("--persona", default="innkeeper")
    parser.add_argument("--player", default=f"walk-{uuid.uuid4().hex[:6]}")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between lines")
    args = parser.parse_args()
    key = args.key or (ROOT / "var" / "dev-api-key").read_text().strip()
    console = Console()
    url = f"/v1/personas/{args.persona}/players/{args.player}/turns"
    rows: list[dict[str, Any]] = []
    with httpx.Client(
        base_url=args.url, headers={"Authorization": f"Bearer {key}"}, timeout=180
    ) as client:
        for line in LINES:
            started = time.perf_counter()
            response = client.post(url, json={"text": line})
            seconds = time.perf_counter() - started
            response.raise_for_status()
            body = response.json()
            row = {
                "line": line,
                "reply": body["reply"],
                "seconds": round(seconds, 2),
                "refused": body["refused"],
                "emotion": body["emotion"] and body["emotion"]["label"],
                "recalled": [r["summary"] for r in body["recalled"]],
                "reflection": body["reflection"]["action"],
                "first_token_ms": body["timings"]["first_token_ms"],
            }
            rows.append(row)
            console.print(f"[bold]player[/]: {line}")
            console.print(f"[bold]npc[/] ({seconds:.1f} s, {row['reflection']}): {row['reply']}")
            if row["recalled"]:
                console.print(f"  recalled: {row['recalled']}")
            # The extraction worker stores the line's facts a moment after the turn.
            time.sleep(args.pause)
    replies = [r["reply"] for r in rows]
    times = sorted(r["seconds"] for r in rows)
    summary = {
        "player": args.player,
        "distinct_replies": len(set(replies)),
        "seconds_p50": times[len(times) // 2],
        "seconds_max": times[-1],
        "turns": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    console.print(
        f"{summary['distinct_replies']} distinct replies of {len(rows)}; "
        f"p50 {summary['seconds_p50']} s, max {summary['seconds_max']} s; written to {RESULTS}"
    )


if __name__ == "__main__":
    main()
