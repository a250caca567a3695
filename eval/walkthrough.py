"""Ten lines to the innkeeper through the API of a running service, as a new player would.

    make run            # in one terminal
    python -m eval.walkthrough [--url http://127.0.0.1:8000] [--player mara]

Prints each reply with its time, what was recalled and what the reflection step did; then,
once the extraction worker has caught up, the player's events (`GET .../events`) with the line
each came from, and how long after its turn began each line's notes became searchable (the
worker runs while the next turns are answered, on the same model server). Writes
eval/results/walkthrough.json. The lines are the ones issue 18 asks about: a fact, a
health fact, a family worry, small talk, a line the health fact bears on, an out-of-world
request, grief, a Chinese line, a question about what was said, a promise.
"""

from __future__ import annotations

import argparse
import json
import threading
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


class _Searchable(threading.Thread):
    """Polls the player's events and notes when each turn's first note can be read back."""

    def __init__(self, url: str, headers: dict[str, str], path: str) -> None:
        super().__init__(daemon=True)
        self._client = httpx.Client(base_url=url, headers=headers, timeout=30)
        self._path = path
        self._began: dict[str, float] = {}
        self.searchable_s: dict[str, float] = {}
        self.events: list[dict[str, Any]] = []
        self._done = threading.Event()
        self._changed = time.perf_counter()

    def began(self, turn_id: str, at: float) -> None:
        self._began[turn_id] = at

    def run(self) -> None:
        while not self._done.is_set():
            items = self._client.get(self._path).json()["items"]
            now = time.perf_counter()
            if len(items) != len(self.events):
                self._changed = now
            self.events = items
            for event in items:
                for turn in event["source_turns"]:
                    if turn in self._began and turn not in self.searchable_s:
                        self.searchable_s[turn] = round(now - self._began[turn], 2)
            time.sleep(0.25)

    def settle(self, limit_s: float) -> list[dict[str, Any]]:
        """The events once none has been added for 15 s (the worker has caught up)."""
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline and time.perf_counter() - self._changed < 15:
            time.sleep(0.5)
        self._done.set()
        self.join()
        return self.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default=None, help="API key; default var/dev-api-key")
    parser.add_argument("--persona", default="innkeeper")
    parser.add_argument("--player", default=f"walk-{uuid.uuid4().hex[:6]}")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between lines")
    parser.add_argument(
        "--settle", type=float, default=60.0, help="seconds to wait for the worker at the end"
    )
    args = parser.parse_args()
    key = args.key or (ROOT / "var" / "dev-api-key").read_text().strip()
    console = Console()
    base = f"/v1/personas/{args.persona}/players/{args.player}"
    rows: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {key}"}
    watcher = _Searchable(args.url, headers, f"{base}/events")
    with httpx.Client(base_url=args.url, headers=headers, timeout=180) as client:
        watcher.start()
        for line in LINES:
            started = time.perf_counter()
            response = client.post(f"{base}/turns", json={"text": line})
            seconds = time.perf_counter() - started
            response.raise_for_status()
            body = response.json()
            watcher.began(body["turn_id"], started)
            row = {
                "line": line,
                "turn_id": body["turn_id"],
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
            time.sleep(args.pause)
        events = watcher.settle(args.settle)
    for row in rows:
        row["notes"] = [
            {"type": e["type"], "also": e["also"], "summary": e["summary"], "date": e["date"]}
            for e in events
            if row["turn_id"] in e["source_turns"]
        ]
        row["searchable_s"] = watcher.searchable_s.get(row["turn_id"])
        console.print(f"[bold]{row['line']}[/]")
        for note in row["notes"]:
            console.print(f"  {note['type']}: {note['summary']}")
        if not row["notes"]:
            console.print("  (nothing kept)")
    replies = [r["reply"] for r in rows]
    times = sorted(r["seconds"] for r in rows)
    waits = sorted(v for v in watcher.searchable_s.values())
    summary = {
        "player": args.player,
        "events": len(events),
        "searchable_s": {
            "lines": len(waits),
            "p50": waits[len(waits) // 2] if waits else None,
            "max": waits[-1] if waits else None,
        },
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
