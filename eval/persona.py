"""Refusal gate and emotion reader on their dev sets, never trained on.

    python -m eval.persona [--llm]

Refusal: tests/data/refusal_dev.jsonl, 240 lines for four personas none of which the gate was
trained on (pirate innkeeper, Mars medic android, abbey monk, ronin), with in-world,
borderline, out-of-world and instruction-attack lines. Precision, recall and F1 of "refuse",
the false-refusal rate (answerable lines refused) and the rate per kind. With --llm, the
prompt-only baseline: the local model asked for a JSON verdict with the schema enforced.
Emotion: tests/data/emotion_dev.jsonl, 200 lines: label accuracy, macro F1, support F1,
intensity mean absolute error. Reflection: tests/data/reflection_dev.jsonl, 200 replies of the
innkeeper (80 good, 120 planted bad ones of four kinds): the share of bad ones caught and of
good ones wrongly flagged. Writes eval/results/persona.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from memory.embedding import SentenceTransformerEmbedder
from memory.extraction.classifier import Featurizer
from persona.commitment import CommitmentJudge
from persona.emotion import LABELS, EmotionReader
from persona.gate import RefusalGate
from persona.train import DATA, embed_all, jsonl, persona_parts, persona_texts, refusal_scores

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results" / "persona.json"


def dialogue_lines() -> list[dict[str, Any]]:
    """The held-out dialogue set's lines as gate cases: everyday, sad and memory-bearing lines
    a character must answer, and the ones it must refuse."""
    return [
        {**r, "label": "refuse" if r["kind"] == "refuse" else "answer"}
        for r in jsonl(DATA / "dialogue_dev.jsonl")
    ]


def refusal(
    gate: RefusalGate,
    featurize: Featurizer,
    console: Console,
    rows: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = rows if rows is not None else jsonl(DATA / "refusal_dev.jsonl")
    personas = persona_texts(DATA / "refusal_dev_personas.json")
    texts = {r["line"] for r in rows}
    for p in personas.values():
        for part in p.sentences():
            texts |= set(part)
    vectors = embed_all(featurize, texts, console)
    parts = persona_parts(personas, vectors, featurize.dim)
    verdicts = [gate.verdict(vectors[r["line"]], parts[r["persona"]]) for r in rows]
    return score_refusals(rows, [v.refused for v in verdicts]), rows


def score_refusals(rows: list[dict[str, Any]], refused: list[bool]) -> dict[str, Any]:
    y = np.array([int(r["label"] == "refuse") for r in rows])
    result: dict[str, Any] = refusal_scores(y, np.array(refused))
    kinds: dict[str, Counter[str]] = {}
    for r, did in zip(rows, refused, strict=True):
        kinds.setdefault(r["kind"], Counter())["refused" if did else "answered"] += 1
    result["refused_by_kind"] = {
        k: f"{c['refused']}/{c['refused'] + c['answered']}" for k, c in sorted(kinds.items())
    }
    return result


def emotion(reader: EmotionReader, featurize: Featurizer, console: Console) -> dict[str, Any]:
    rows = jsonl(DATA / "emotion_dev.jsonl")
    vectors = embed_all(featurize, {r["line"] for r in rows}, console)
    readings = [reader.read(vectors[r["line"]]) for r in rows]
    right = sum(r["label"] == x.label for r, x in zip(rows, readings, strict=True))
    f1s = []
    for label in LABELS:
        tp = sum(r["label"] == label == x.label for r, x in zip(rows, readings, strict=True))
        fp = sum(x.label == label != r["label"] for r, x in zip(rows, readings, strict=True))
        fn = sum(r["label"] == label != x.label for r, x in zip(rows, readings, strict=True))
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    support = refusal_scores(
        np.array([int(r["support"]) for r in rows]), np.array([x.support for x in readings])
    )
    return {
        "lines": len(rows),
        "accuracy": round(right / len(rows), 3),
        "macro_f1": round(float(np.mean(f1s)), 3),
        "support": {k: support[k] for k in ("precision", "recall", "f1")},
        "intensity_mae": round(
            float(
                np.mean(
                    [abs(r["intensity"] - x.intensity) for r, x in zip(rows, readings, strict=True)]
                )
            ),
            3,
        ),
    }


def commitments(featurize: Featurizer, console: Console) -> dict[str, Any]:
    """Kept / broken calls on unseen (promise, line) pairs, at the threshold the service acts
    on: precision of each call (a wrong call moves affinity and closes a live promise), recall,
    and how often a "neither" line is wrongly settled."""
    judge = CommitmentJudge.load()
    rows = jsonl(DATA / "commitment_dev.jsonl")
    vectors = embed_all(featurize, {r[k] for r in rows for k in ("promise", "line")}, console)
    calls = []
    for r in rows:
        verdict = judge.judge(
            lambda texts: np.stack([vectors[t] for t in texts]), r["line"], [("p", r["promise"])]
        )
        calls.append(verdict.outcome if verdict is not None else "neither")
    result: dict[str, Any] = {"pairs": len(rows), "threshold": judge.threshold}
    for outcome in ("kept", "broken"):
        tp = sum(c == outcome == r["label"] for r, c in zip(rows, calls, strict=True))
        called = sum(c == outcome for c in calls)
        actual = sum(r["label"] == outcome for r in rows)
        result[outcome] = {
            "precision": round(tp / max(1, called), 3),
            "recall": round(tp / max(1, actual), 3),
        }
    neither = [c for r, c in zip(rows, calls, strict=True) if r["label"] == "neither"]
    result["neither_settled_rate"] = round(sum(c != "neither" for c in neither) / len(neither), 3)
    return result


def reflection(featurize: Featurizer, reader: EmotionReader) -> dict[str, Any]:
    """Catch rate of the reflection check on planted bad replies, false alarms on good ones:
    rules alone, and rules with the trained heads (what runs), in one run."""
    from datetime import UTC, datetime

    from memory.embedding import shared_minilm
    from memory.features import CachedFeaturize
    from persona.character import CharacterReader
    from persona.reflection import ReflectionCheck
    from persona.reflection_heads import ReflectionHeads
    from persona.schemas import Persona
    from service.bootstrap import INNKEEPER

    rows = jsonl(DATA / "reflection_dev.jsonl")
    now = datetime.now(UTC)
    persona = Persona(
        **INNKEEPER.model_dump(exclude={"id"}), id="innkeeper", created_at=now, updated_at=now
    )

    embed = shared_minilm().embed_sync
    cached = CachedFeaturize(featurize)
    cheer = CharacterReader(cached, None, reader).cheer
    checks = {"rules": ReflectionCheck(cheer=cheer, embed=embed)}
    heads = ReflectionHeads.load()
    if heads is not None:
        checks["rules_and_heads"] = ReflectionCheck(
            cheer=cheer, embed=embed, heads=heads, featurize=cached
        )
    return {name: _catch_rates(check, rows, persona) for name, check in checks.items()}


def support_check(featurize: Featurizer, reader: EmotionReader) -> dict[str, Any] | None:
    """The check on what the served model really says to players in need of support (its
    replies to the dev support lines, four unseen personas, labeled by hand): unsupportive
    replies caught, good ones flagged, and what the player ends up seeing when a failing reply
    gives way to the safe line: supportive, or not."""
    from memory.embedding import shared_minilm
    from memory.features import CachedFeaturize
    from persona.character import CharacterReader
    from persona.prompt import Guidance, system_prompt
    from persona.reflection import ReflectionCheck
    from persona.reflection_heads import ReflectionHeads
    from training.scenarios import load_personas

    path = DATA / "support_replies_dev.jsonl"
    if not path.exists():
        return None
    rows = jsonl(path)
    cached = CachedFeaturize(featurize)
    cheer = CharacterReader(cached, None, reader).cheer
    embed = shared_minilm().embed_sync
    checks = {
        "none": None,
        "rules": ReflectionCheck(cheer=cheer, embed=embed),
        "rules_and_heads": ReflectionCheck(
            cheer=cheer, embed=embed, heads=ReflectionHeads.load(), featurize=cached
        ),
    }
    # The prompt the service built for such a line; the leak check reads it.
    personas = load_personas(DATA / "refusal_dev_personas.json")
    guidance = Guidance(support=True, emotion="sadness")
    prompts = {key: system_prompt(persona, guidance) for key, persona in personas.items()}
    out: dict[str, Any] = {"replies": len(rows), "good": sum(r["label"] == "ok" for r in rows)}
    for name, check in checks.items():
        passed = [
            check is None
            or check.check(
                r["reply"],
                instructions=prompts[r["persona"]],
                support=True,
                facts=[],
                line=r["line"],
            ).passed
            for r in rows
        ]
        # (passed the check, labeled good) → replies
        n = Counter(zip(passed, (r["label"] == "ok" for r in rows), strict=True))
        out[name] = {
            "unsupportive_caught": round(
                n[False, False] / max(1, n[False, False] + n[True, False]), 3
            ),
            "good_flagged": round(n[False, True] / max(1, n[False, True] + n[True, True]), 3),
            "model_replies_sent": round(sum(passed) / len(rows), 3),
            "player_sees_support": round(1 - n[True, False] / len(rows), 3),
        }
    return out


def _catch_rates(check: Any, rows: list[dict[str, Any]], persona: Any) -> dict[str, Any]:
    from persona.prompt import Guidance, system_prompt

    caught: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row in rows:
        instructions = system_prompt(persona, Guidance(support=row["support"], emotion="sadness"))
        result = check.check(
            row["reply"],
            instructions=instructions,
            support=row["support"],
            facts=row.get("facts", []),
            line=row["player"],
        )
        # Good replies to players in need apart: the support head is allowed more alarms there.
        label = row["label"] if row["label"] != "ok" or not row["support"] else "ok_support"
        totals[label] += 1
        caught[label] += not result.passed
    good = ("ok", "ok_support")
    bad = sum(v for k, v in totals.items() if k not in good)
    return {
        "lines": len(rows),
        "catch_rate": round(sum(v for k, v in caught.items() if k not in good) / max(1, bad), 3),
        "false_alarm_rate": round(
            (caught["ok"] + caught["ok_support"]) / max(1, totals["ok"] + totals["ok_support"]), 3
        ),
        "false_alarms_support": f"{caught['ok_support']}/{totals['ok_support']}",
        "false_alarms_other": f"{caught['ok']}/{totals['ok']}",
        "caught_by_kind": {k: f"{caught[k]}/{totals[k]}" for k in sorted(totals) if k not in good},
    }


def llm_refusals(rows: list[dict[str, Any]], console: Console) -> list[bool]:
    """The prompt-only baseline: the service's own model judge (`NPC_REFUSAL_JUDGE`) asked
    about every line, JSON schema enforced; a failed call counts as "answer"."""
    from datetime import UTC, datetime

    from openai import AsyncOpenAI

    from core.settings import Settings
    from persona.gate import Verdict
    from persona.refusal_judge import RefusalJudge
    from persona.schemas import Persona
    from service.runtime.local import model_endpoint

    now = datetime.now(UTC)
    personas = {
        pid: Persona(
            id=pid,
            name=p["name"],
            world=p.get("world", ""),
            background=p.get("background", ""),
            knowledge=p.get("knowledge", ""),
            outside=p.get("outside", ""),
            created_at=now,
            updated_at=now,
        )
        for pid, p in json.loads((DATA / "refusal_dev_personas.json").read_text()).items()
    }
    settings = Settings()
    answer = Verdict(False, 0.0, None)

    async def all_rows(base_url: str) -> list[bool]:
        judge = RefusalJudge(AsyncOpenAI(base_url=base_url, api_key="EMPTY"), settings.llm_model)
        return [
            (await judge.decide(personas[row["persona"]], row["line"], answer)).refused
            for row in rows
        ]

    with (
        model_endpoint(settings, console) as base_url,
        console.status(f"prompt-only model judging {len(rows)} lines"),
    ):
        return asyncio.run(all_rows(base_url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm", action="store_true", help="also the prompt-only model baseline")
    args = parser.parse_args()
    console = Console()
    gate, reader = RefusalGate.load(), EmotionReader.load()
    if gate is None or reader is None:
        raise SystemExit("no trained gate or emotion reader: run `make train-persona`")
    featurize = Featurizer(SentenceTransformerEmbedder())
    results: dict[str, Any] = {}
    results["refusal_gate"], rows = refusal(gate, featurize, console)
    results["refusal_gate_dialogue_lines"], _ = refusal(gate, featurize, console, dialogue_lines())
    if args.llm:
        results["refusal_llm_prompt_only"] = score_refusals(rows, llm_refusals(rows, console))
    results["emotion"] = emotion(reader, featurize, console)
    results["reflection"] = reflection(featurize, reader)
    results["commitment"] = commitments(featurize, console)
    support = support_check(featurize, reader)
    if support is not None:
        results["support_check"] = support

    table = Table(title=f"refusal on {len(rows)} dev lines, 4 unseen personas")
    for column in ("method", "P", "R", "F1", "false refusals", "refused by kind"):
        table.add_column(column)
    for name in ("refusal_gate", "refusal_llm_prompt_only", "refusal_gate_dialogue_lines"):
        if name in results:
            r = results[name]
            kinds = ", ".join(f"{k} {v}" for k, v in r["refused_by_kind"].items())
            table.add_row(
                name,
                f"{r['precision']:.2f}",
                f"{r['recall']:.2f}",
                f"{r['f1']:.2f}",
                f"{r['false_refusal_rate']:.2f}",
                kinds,
            )
    console.print(table)
    e = results["emotion"]
    console.print(
        f"emotion on {e['lines']} dev lines: accuracy {e['accuracy']:.2f}, macro F1 "
        f"{e['macro_f1']:.2f}, support F1 {e['support']['f1']:.2f}, intensity MAE "
        f"{e['intensity_mae']:.2f}"
    )
    for name, x in results["reflection"].items():
        console.print(
            f"reflection check ({name}) on {x['lines']} replies: catches {x['catch_rate']:.2f} "
            f"of planted bad ones ({x['caught_by_kind']}), false alarms on good ones "
            f"{x['false_alarm_rate']:.2f} (to players in need {x['false_alarms_support']}, "
            f"others {x['false_alarms_other']})"
        )
    if "support_check" in results:
        x = results["support_check"]
        table = Table(
            title=f"support check on the served model's {x['replies']} replies to players in "
            f"need ({x['good']} good), 4 unseen personas"
        )
        for column in ("check", "bad caught", "good flagged", "model replies sent", "sees support"):
            table.add_column(column)
        for name in ("none", "rules", "rules_and_heads"):
            r = x[name]
            table.add_row(
                name,
                f"{r['unsupportive_caught']:.2f}",
                f"{r['good_flagged']:.2f}",
                f"{r['model_replies_sent']:.2f}",
                f"{r['player_sees_support']:.2f}",
            )
        console.print(table)
    m = results["commitment"]
    console.print(
        f"promises on {m['pairs']} dev pairs: kept P {m['kept']['precision']:.2f} "
        f"R {m['kept']['recall']:.2f}, broken P {m['broken']['precision']:.2f} "
        f"R {m['broken']['recall']:.2f}, neither lines wrongly settled "
        f"{m['neither_settled_rate']:.2f}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "refusal_llm_prompt_only" not in results and "refusal_llm_prompt_only" in previous:
        results["refusal_llm_prompt_only"] = previous["refusal_llm_prompt_only"]  # kept
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
