"""Per-player memory preferences: the command reader and simulated players, in one run.

    python -m eval.preferences

1. The command reader on held-out lines (tests/data/commands_dev.jsonl): intent accuracy, how
   many ordinary lines it reads as a command (a false "forget" ends a fact the player wanted),
   the kind named and whole-kind-or-one-thing where the intent was right.
2. Simulated players (tests/data/preference_players.json), each with stated preferences and a
   conversation of 30+ lines in their languages: facts, chat, commands, and answers to memories
   the character brought up. The conversation is played through the same parts the worker runs
   (the extractor's heads, the command reader, `targets`, `learn`, `brought_up_by`), the pool
   kept in memory. After 0, 10 and 30 lines (and all of them) the player's own test lines are
   extracted with what was learned so far: precision and recall of the kept types against the
   types this player wants kept. 0 lines is the general model. Two forms of the per-player module
   are played side by side: per-type biases (what ships) and a per-player head over the features.
3. The explicit commands: the events each one ended (or raised) against the events it named,
   exact match, and how many other events it ended.

Writes eval/results/preferences.json.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from memory.embedding import unit_rows
from memory.events import EVENT_TYPES, Event, event_id
from memory.extraction.classifier import Heads
from memory.extraction.extractor import (
    ClassifierExtractor,
    ExtractionInput,
    HistoryLine,
    types_of,
)
from memory.features import line_features, shared_featurizer
from memory.preferences.commands import CommandReader, shipped_reader
from memory.preferences.leaning import Leaning
from memory.preferences.learner import TAKEN_UP, brought_up_by, learn, targets

ROOT = Path(__file__).resolve().parents[1]
PLAYERS = ROOT / "tests" / "data" / "preference_players.json"
COMMANDS = ROOT / "tests" / "data" / "commands_dev.jsonl"
RESULTS = ROOT / "eval" / "results" / "preferences.json"
CHECKPOINTS = (0, 10, 30)
AT = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
HEAD_RATE = 0.5  # the per-player head's step on one signal


def featurize_rows(texts: list[str]) -> np.ndarray:
    return np.asarray(shared_featurizer()(texts), dtype=np.float32)


def e5_rows(texts: list[str]) -> np.ndarray:
    f = shared_featurizer()
    return unit_rows(featurize_rows(texts)[:, f.english_dim :])


def score_commands(reader: CommandReader, console: Console) -> dict[str, Any]:
    rows = [json.loads(x) for x in COMMANDS.read_text().splitlines() if x.strip()]
    feats = featurize_rows([r["text"] for r in rows])
    read = [reader.read(f) for f in feats]
    gold = np.array([r["intent"] for r in rows])
    got = np.array([c.intent for c in read])
    none = gold == "none"
    right = got == gold
    named = [i for i, r in enumerate(rows) if r.get("target") and right[i]]
    scoped = [i for i, r in enumerate(rows) if r.get("scope") in ("item", "type") and right[i]]
    per_lang: dict[str, list[bool]] = defaultdict(list)
    for r, ok in zip(rows, right, strict=True):
        per_lang[r["lang"]].append(bool(ok))
    per_intent = {
        intent: {
            "precision": round(float((gold[got == intent] == intent).mean()), 3)
            if (got == intent).any()
            else None,
            "recall": round(float((got[gold == intent] == intent).mean()), 3),
        }
        for intent in sorted(set(gold))
    }
    result: dict[str, Any] = {
        "lines": len(rows),
        "intent_accuracy": round(float(right.mean()), 3),
        "ordinary_read_as_command": round(float((got[none] != "none").mean()), 3),
        "commands_missed": round(float((got[~none] == "none").mean()), 3),
        "target_accuracy": round(
            float(np.mean([read[i].target == rows[i]["target"] for i in named])), 3
        )
        if named
        else None,
        "scope_accuracy": round(
            float(np.mean([read[i].whole_kind == (rows[i]["scope"] == "type") for i in scoped])),
            3,
        )
        if scoped
        else None,
        "per_intent": per_intent,
        "per_language": {k: round(float(np.mean(v)), 3) for k, v in sorted(per_lang.items())},
    }
    table = Table(title=f"command reader, {len(rows)} held-out lines")
    for key in ("intent_accuracy", "ordinary_read_as_command", "commands_missed"):
        table.add_column(key)
    table.add_column("kind named")
    table.add_column("whole kind")
    table.add_row(
        *(str(result[k]) for k in ("intent_accuracy", "ordinary_read_as_command")),
        str(result["commands_missed"]),
        str(result["target_accuracy"]),
        str(result["scope_accuracy"]),
    )
    console.print(table)
    languages: dict[str, float] = result["per_language"]
    console.print("per language: " + ", ".join(f"{k} {v}" for k, v in languages.items()))
    return result


@dataclass
class HeadForm:
    """The alternative module: a per-player logistic head over the line's features, one row
    per type, trained online by the same signals (a brushed-off memory: its features, its
    types, down; taken up or asked to be kept: up). Blocks work as in the bias form."""

    dim: int
    w: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.w = np.zeros((len(EVENT_TYPES), self.dim), dtype=np.float32)

    def step(self, x: np.ndarray, kinds: set[str], sign: float) -> None:
        for kind in kinds:
            if kind in EVENT_TYPES:
                self.w[EVENT_TYPES.index(kind)] += sign * HEAD_RATE * x

    def bias(self, x: np.ndarray) -> dict[str, float]:
        # Lowering only, as the bias form: a player narrows what is kept.
        return {t: min(float(v), 0.0) for t, v in zip(EVENT_TYPES, self.w @ x, strict=True) if v}


@dataclass
class Player:
    """One simulated player's pool and leaning, played line by line."""

    data: dict[str, Any]
    form: str  # "bias" or "head"
    extractor: ClassifierExtractor
    reader: CommandReader
    leaning: Leaning = field(default_factory=Leaning)
    events: list[tuple[Event, np.ndarray, np.ndarray]] = field(default_factory=list)
    head: HeadForm | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)

    def current(self) -> list[tuple[Event, np.ndarray, np.ndarray]]:
        return [t for t in self.events if t[0].valid_to is None]

    def extract(self, text: str, history: list[HistoryLine]) -> list[Any]:
        item = ExtractionInput(text=text, history=history, at=AT)
        item.bias = self.leaning.extraction_bias()
        if self.head is not None:
            x = self.line(text)
            for kind, shift in self.head.bias(x).items():
                item.bias[kind] = item.bias.get(kind, 0.0) + shift
        return self.leaning.reweigh(self.extractor.extract_sync(item), biased=True)

    def line(self, text: str) -> np.ndarray:
        f = shared_featurizer()
        return line_features(featurize_rows([text])[0], f.english_dim)

    def play(self, index: int, entry: dict[str, Any]) -> None:
        player = self.data["player"]
        history: list[HistoryLine] = []
        recalled: list[tuple[Event, np.ndarray, np.ndarray]] = []
        if entry["kind"] == "reaction":
            history = [HistoryLine(role="npc", text=entry["npc"])]
            source = f"s{entry['recalled']}"
            mine = [t for t in self.current() if source in t[0].source_turns]
            others = [t for t in self.current() if source not in t[0].source_turns]
            recalled = mine + others[-2:]
        texts = [entry["text"], *(h.text for h in history)]
        rows = featurize_rows(texts)
        e5 = e5_rows(texts)
        command = self.reader.read(rows[0])
        brought = brought_up_by(e5[1], [(e.id, v) for e, v, _ in recalled]) if recalled else []
        reaction = [e for e, _, _ in recalled if e.id in brought]
        taken_up = any(float(v @ e5[0]) >= TAKEN_UP for e, v, _ in recalled if e.id in brought)
        found: list[Event] = []
        if command.intent in ("forget", "outdated", "remember"):
            pool = [(e, v) for e, v, _ in self.current()]
            found = targets(command, e5[0], pool, f"s{index - 1}", brought)
            for event in found:
                if command.intent == "remember":
                    event.importance = max(event.importance, 9)
                else:
                    event.valid_to, event.superseded_by = AT, f"turn:s{index}"
        if entry["kind"] == "command":
            self.commands.append({"entry": entry, "index": index, "read": command, "found": found})
        learn(self.leaning, command, found, reaction, taken_up)
        if self.head is not None:
            self.teach_head(command.intent, found, reaction, taken_up)
        if command.intent not in ("none", "remember"):
            return
        for position, cand in enumerate(self.extract(entry["text"], history)):
            event = Event(
                id=event_id("eval", "npc", player, f"s{index}", position),
                tenant_id="eval",
                persona_id="npc",
                player_id=player,
                type=cand.type,
                also=cand.also,
                subject=cand.subject,
                summary=cand.summary,
                importance=cand.importance,
                source_turns=[f"s{index}"],
            )
            self.events.append((event, e5_rows([cand.summary])[0], self.line(cand.summary)))

    def teach_head(
        self, intent: str, found: list[Event], reaction: list[Event], taken_up: bool
    ) -> None:
        assert self.head is not None
        by_id = {e.id: x for e, _, x in self.events}
        signals: list[tuple[list[Event], float]] = []
        if intent == "brush_off":
            signals.append((reaction, -1.0))
        elif intent == "none" and taken_up:
            signals.append((reaction, 1.0))
        elif intent == "remember":
            signals.append((found, 1.0))
        elif intent == "forget":
            signals.append((found, -1.0))
        for events, sign in signals:
            for event in events:
                self.head.step(by_id[event.id], types_of(event), sign)


def kept_types(player: Player, tests: list[dict[str, Any]]) -> list[set[str]]:
    return [
        {k for cand in player.extract(t["text"], []) for k in (cand.type, *cand.also)}
        for t in tests
    ]


def precision_recall(
    kept: list[set[str]], tests: list[dict[str, Any]], wants: set[str]
) -> tuple[float, float]:
    hit = sum(len(k & set(t["types"]) & wants) for k, t in zip(kept, tests, strict=True))
    got = sum(len(k) for k in kept)
    want = sum(len(set(t["types"]) & wants) for t in tests)
    return (hit / got if got else 1.0), (hit / want if want else 1.0)


def command_outcomes(player: Player) -> list[dict[str, Any]]:
    out = []
    for c in player.commands:
        entry, read = c["entry"], c["read"]
        named = {f"s{i}" for i in entry.get("refers_to", [])}
        found = {e.id for e in c["found"]}
        existing = {e.id for e, _, _ in player.events if set(e.source_turns) & named}
        out.append(
            {
                "player": player.data["player"],
                "intent": entry["intent"],
                "read_as": read.intent,
                "exact": read.intent == entry["intent"] and found == existing,
                "others": len(found - existing),
                "missed": len(existing - found),
            }
        )
    return out


def play_players(reader: CommandReader, console: Console) -> dict[str, Any]:
    extractor = ClassifierExtractor(shared_featurizer(), Heads.load())  # type: ignore[arg-type]
    players = json.loads(PLAYERS.read_text())
    dim = 2 * shared_featurizer().english_dim
    table = Table(title="per-player kept types vs the player's wishes (precision / recall)")
    table.add_column("player")
    table.add_column("langs")
    checkpoints = [*CHECKPOINTS, "all"]
    for form in ("bias", "head"):
        for k in checkpoints[1:]:
            table.add_column(f"{form} @{k}")
    table.add_column("general (@0)")
    per_player: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    totals: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for data in players:
        wants = set(data["wants"])
        row: dict[str, Any] = {"player": data["player"], "langs": data["langs"]}
        for form in ("bias", "head"):
            player = Player(
                data, form, extractor, reader, head=HeadForm(dim) if form == "head" else None
            )
            stream = data["stream"]
            for index, entry in enumerate(stream):
                if index in CHECKPOINTS:
                    pr = precision_recall(kept_types(player, data["test"]), data["test"], wants)
                    row[f"{form}@{index}"] = pr
                    totals[f"{form}@{index}"].append(pr)
                player.play(index, entry)
            pr = precision_recall(kept_types(player, data["test"]), data["test"], wants)
            row[f"{form}@all"] = pr
            totals[f"{form}@all"].append(pr)
            if form == "bias":
                outcomes += command_outcomes(player)
                row["leaning"] = player.leaning.model_dump(exclude={"seen"})
        per_player.append(row)
        cells = [
            f"{row[f'{f}@{k}'][0]:.2f}/{row[f'{f}@{k}'][1]:.2f}"
            for f in ("bias", "head")
            for k in checkpoints[1:]
        ]
        table.add_row(
            data["player"],
            ",".join(data["langs"]),
            *cells,
            f"{row['bias@0'][0]:.2f}/{row['bias@0'][1]:.2f}",
        )
    mean = {k: tuple(round(float(x), 3) for x in np.mean(v, axis=0)) for k, v in totals.items()}
    table.add_row(
        "mean",
        "",
        *(
            f"{mean[f'{f}@{k}'][0]:.2f}/{mean[f'{f}@{k}'][1]:.2f}"
            for f in ("bias", "head")
            for k in checkpoints[1:]
        ),
        f"{mean['bias@0'][0]:.2f}/{mean['bias@0'][1]:.2f}",
    )
    console.print(table)
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        by_intent[o["intent"]].append(o)
    commands = {
        intent: {
            "commands": len(os),
            "read_right": sum(o["read_as"] == intent for o in os),
            "exact": sum(o["exact"] for o in os),
            "other_events_touched": sum(o["others"] for o in os),
            "named_events_missed": sum(o["missed"] for o in os),
        }
        for intent, os in sorted(by_intent.items())
    }
    ctable = Table(
        title="explicit commands in the conversations (exact: the named events, nothing else)"
    )
    for col in ("intent", "commands", "read right", "exact", "others touched", "named missed"):
        ctable.add_column(col)
    for intent, c in commands.items():
        ctable.add_row(intent, *(str(v) for v in c.values()))
    console.print(ctable)
    return {"mean": mean, "players": per_player, "commands": commands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--llm", action="store_true", help="only the prompt-only model reading the commands"
    )
    args = parser.parse_args()
    console = Console(width=160)
    if args.llm:
        from eval.preferences_llm import score_prompt_only

        out = ROOT / "eval" / "results" / "preferences_llm_baseline.json"
        out.write_text(json.dumps(score_prompt_only(COMMANDS, console), indent=2) + "\n")
        console.print(f"wrote {out.relative_to(ROOT)}")
        return
    reader = shipped_reader()
    if reader is None:
        raise SystemExit("no command reader: run make train-preferences")
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command_reader": score_commands(reader, console),
        "simulated_players": play_players(reader, console),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
