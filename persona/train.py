"""Train the refusal gate and the emotion reader: `python -m persona.train` (`make train-persona`).

Reads tests/data/refusal_train.jsonl (+ its personas) and tests/data/emotion_train.jsonl, never
the dev sets `make eval` scores. The gate's regularisation and threshold are chosen leaving one
persona out at a time, so they are picked for personas the head has not seen, as in
production. Also the reflection check's heads from tests/data/reflection_train.jsonl. Writes
persona/artefacts/gate.npz, emotion.npz and reflection.npz.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_predict

from memory.embedding import SentenceTransformerEmbedder
from memory.extraction.classifier import Featurizer
from memory.features import CachedFeaturize, line_features
from persona.commitment import OUTCOMES, CommitmentJudge, pair_features
from persona.emotion import LABELS, EmotionReader
from persona.gate import PersonaText, RefusalGate, gate_features
from persona.reflection import NEGATION
from persona.reflection_heads import HEADS, ReflectionHeads, head_features, reply_features

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
Vectors = dict[str, np.ndarray]


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def persona_texts(path: Path) -> dict[str, PersonaText]:
    raw = json.loads(path.read_text())
    return {
        pid: PersonaText(
            knowledge=p.get("knowledge", ""),
            world=f"{p.get('world', '')} {p.get('background', '')}".strip(),
            outside=p.get("outside", ""),
        )
        for pid, p in raw.items()
    }


def embed_all(featurize: Featurizer, texts: set[str], console: Console) -> Vectors:
    ordered = sorted(texts)
    with console.status(f"embedding {len(ordered)} texts (MiniLM ⊕ e5)"):
        matrix = featurize(ordered)
    return dict(zip(ordered, matrix, strict=True))


def persona_parts(
    personas: dict[str, PersonaText], vectors: Vectors, dim: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    def stack(sentences: list[str]) -> np.ndarray:
        return np.stack([vectors[s] for s in sentences]) if sentences else np.zeros((0, dim))

    return {pid: tuple(stack(s) for s in p.sentences()) for pid, p in personas.items()}  # type: ignore[misc]


def gate_matrix(
    rows: list[dict[str, Any]],
    vectors: Vectors,
    parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    split: int,
) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([gate_features(vectors[r["line"]], parts[r["persona"]], split) for r in rows])
    y = np.array([int(r["label"] == "refuse") for r in rows])
    return x, y


def refusal_scores(y: np.ndarray, refused: np.ndarray) -> dict[str, float]:
    tp = int((refused & (y == 1)).sum())
    fp = int((refused & (y == 0)).sum())
    fn = int((~refused & (y == 1)).sum())
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "false_refusal_rate": round(fp / max(1, int((y == 0).sum())), 3),
    }


def seed_dialogue_lines() -> list[dict[str, Any]]:
    """The seed dialogues' lines (same six personas) as gate cases. They are what players
    say in play (sad lines, small talk, lines that bear on a memory) in ten languages; without
    them the gate refused one such line in six."""
    return [
        {
            "persona": r["persona"],
            "line": r["line"],
            "label": "refuse" if r["kind"] == "refuse" else "answer",
            "kind": "dialogue",
        }
        for path in sorted(DATA.glob("dialogue_seed_*.jsonl"))
        for r in jsonl(path)
    ]


def train_gate(
    vectors: Vectors, split: int, console: Console
) -> tuple[RefusalGate, dict[str, Any]]:
    rows = jsonl(DATA / "refusal_train.jsonl") + seed_dialogue_lines()
    personas = persona_texts(DATA / "refusal_train_personas.json")
    parts = persona_parts(personas, vectors, 2 * split)
    x, y = gate_matrix(rows, vectors, parts, split)
    groups = np.array([r["persona"] for r in rows])
    best: dict[str, Any] = {"f1": -1.0}
    for c in (0.3, 1.0, 3.0):
        held_out = np.zeros(len(y))
        for persona in sorted(set(groups)):
            test = groups == persona
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
            model.fit(x[~test], y[~test])
            held_out[test] = model.predict_proba(x[test])[:, 1]
        for threshold in np.arange(0.3, 0.85, 0.05):
            scores = refusal_scores(y, held_out >= threshold)
            # Refusing an answerable line costs more than answering an odd one: a small
            # penalty per point of false refusals.
            value = scores["f1"] - 0.5 * scores["false_refusal_rate"]
            if value > best["f1"]:
                best = {"f1": value, "c": c, "threshold": round(float(threshold), 2), **scores}
    console.print(
        f"gate, leaving each persona out: P {best['precision']} R {best['recall']} "
        f"F1 {best['f1']:.3f} false refusals {best['false_refusal_rate']} (C={best['c']}, "
        f"threshold {best['threshold']})"
    )
    model = LogisticRegression(C=best["c"], class_weight="balanced", max_iter=5000).fit(x, y)
    # Attack or out-of-world: only the gate's own set says which.
    refused = [r for r in rows if r["label"] == "refuse" and r["kind"] != "dialogue"]
    attack = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(
        np.stack([line_features(vectors[r["line"]], split) for r in refused]),
        np.array([int(r["kind"] == "attack") for r in refused]),
    )
    gate = RefusalGate(
        w=model.coef_[0].astype(np.float32),
        b=float(model.intercept_[0]),
        attack_w=attack.coef_[0].astype(np.float32),
        attack_b=float(attack.intercept_[0]),
        threshold=best["threshold"],
        split=split,
    )
    return gate, best


def train_emotion(vectors: Vectors, split: int, console: Console) -> EmotionReader:
    rows = jsonl(DATA / "emotion_train.jsonl")
    x = np.stack([line_features(vectors[r["line"]], split) for r in rows])
    labels = np.array([LABELS.index(r["label"]) for r in rows])
    classifier = LogisticRegression(C=2.0, max_iter=5000).fit(x, labels)
    intensity = Ridge(alpha=3.0).fit(x, np.array([r["intensity"] for r in rows]))
    support = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(
        x, np.array([int(r["support"]) for r in rows])
    )
    # Rows of the softmax in LABELS order, whatever order sklearn keeps the classes in.
    label_w = np.zeros((len(LABELS), x.shape[1]), dtype=np.float32)
    label_b = np.full(len(LABELS), -1e4, dtype=np.float32)
    for row, cls in enumerate(classifier.classes_):
        label_w[cls] = classifier.coef_[row]
        label_b[cls] = classifier.intercept_[row]
    console.print(f"emotion: {len(rows)} lines, {len(LABELS)} labels")
    return EmotionReader(
        label_w=label_w,
        label_b=label_b,
        intensity_w=intensity.coef_.astype(np.float32),
        intensity_b=float(intensity.intercept_),
        support_w=support.coef_[0].astype(np.float32),
        support_b=float(support.intercept_[0]),
        support_threshold=0.5,
        split=split,
    )


def train_commitment(featurize: Featurizer, split: int, console: Console) -> CommitmentJudge:
    """Kept / broken / neither over (promise, line) pairs. The acting threshold is the least
    probability at which out-of-fold kept/broken calls are right ≥95% of the time: a wrong
    call closes a live promise and moves affinity."""
    rows = jsonl(DATA / "commitment_train.jsonl")
    vectors = embed_all(featurize, {r[k] for r in rows for k in ("promise", "line")}, console)
    x = np.stack([pair_features(vectors[r["line"]], vectors[r["promise"]], split) for r in rows])
    y = np.array([OUTCOMES.index(r["label"]) for r in rows])
    best: tuple[float, float, np.ndarray] | None = None
    for c in (0.3, 1.0, 3.0, 10.0):  # regularisation chosen out of fold, on train only
        model = LogisticRegression(C=c, max_iter=5000)
        p = cross_val_predict(model, x, y, cv=5, method="predict_proba")
        accuracy = float((p.argmax(1) == y).mean())
        if best is None or accuracy > best[0]:
            best = (accuracy, c, p)
    assert best is not None
    _, c, oof = best
    model = LogisticRegression(C=c, max_iter=5000)
    calls, confidence = oof.argmax(1), oof.max(1)
    threshold = 0.95
    for t in np.arange(0.4, 0.95, 0.05):
        acted = (calls != 0) & (confidence >= t)
        if acted.any() and (calls[acted] == y[acted]).mean() >= 0.95:
            threshold = float(t)
            break
    model.fit(x, y)
    weights = np.zeros((len(OUTCOMES), x.shape[1]), dtype=np.float32)
    bias = np.zeros(len(OUTCOMES), dtype=np.float32)
    for row, cls in enumerate(model.classes_):
        weights[cls], bias[cls] = model.coef_[row], model.intercept_[row]
    console.print(f"commitment: {len(rows)} pairs, C {c}, acting threshold {threshold:.2f}")
    return CommitmentJudge(weights=weights, bias=bias, threshold=threshold, split=split)


SUPPORT_LINE = (
    "The player seems to feel sadness. First acknowledge and validate the feeling in a "
    "sentence, gently; no lecture, no forced cheer, no advice unless asked."
)


def seed_dialogue_replies() -> list[dict[str, Any]]:
    """The seed dialogues' replies (same six characters, ten languages) as good replies. Trained
    on the reflection set alone, mostly English, the leak head flagged two in five good
    non-English replies."""
    rows = []
    for path in sorted(DATA.glob("dialogue_seed_*.jsonl")):
        for r in jsonl(path):
            bearing = [m["summary"] for m in r["memories"] if m["id"] in r["bears"]]
            for reply, facts in ((r["reply"], bearing), (r["reply_plain"], [])):
                rows.append(
                    {
                        "character": r["persona"],
                        "line": r["line"],
                        "reply": reply,
                        "support": r["kind"] == "support",
                        "facts": facts,
                        "label": "ok",
                    }
                )
    return rows


def support_replies() -> list[dict[str, Any]]:
    """Replies to players in need of support, labeled ok or unsupportive: written ones of the
    kinds a small model gets wrong (tests/data/support_written.jsonl), and the served 135M
    model's own (tests/data/support_replies_train.jsonl, from training.support_candidates).
    A reply in the wrong language is the language check's to catch: the head does not learn
    it."""
    rows = []
    for name in ("support_written.jsonl", "support_replies_train.jsonl"):
        for r in jsonl(DATA / name) if (DATA / name).exists() else []:
            if r.get("kind") == "wrong_language":
                continue
            rows.append(
                {
                    "character": r.get("character") or r["persona"],
                    "line": r.get("player") or r["line"],
                    "reply": r["reply"],
                    "support": True,
                    "facts": [],
                    "label": "unsupportive" if r["label"] == "unsupportive" else "ok",
                }
            )
    return rows


# A false alarm costs a regeneration, or a good reply replaced: each head may flag at most 2% of
# the good replies of characters it did not see, and catches what it can within that. The
# support head may flag 10%: a good reply it flags is drawn again three times before the safe
# supportive line takes its place, while a miss shows a player in pain a cruel or senseless
# reply. (Not more: the bundled 135M model, which writes such replies 97 times in 100, does not
# answer these players at all, see NPC_SUPPORT_REPLIES; the check serves larger models.)
FALSE_ALARMS = {"unsupportive": 0.10}


def _best_threshold(held_out: np.ndarray, y: np.ndarray, budget: float) -> tuple[float, float]:
    """(catch rate, threshold): the most bad replies caught flagging at most `budget` good."""
    return max(
        (float((held_out[y == 1] >= t).mean()), float(t))
        for t in np.arange(0.05, 0.99, 0.01)
        if (held_out[y == 0] >= t).mean() <= budget
    )


def train_reflection(featurize: Featurizer, split: int, console: Console) -> ReflectionHeads:
    """One logistic head per kind of bad reply; thresholds chosen leaving each character out."""
    rows = jsonl(DATA / "reflection_train.jsonl") + seed_dialogue_replies() + support_replies()
    prompts = json.loads((DATA / "reflection_train_prompts.json").read_text())
    cached = CachedFeaturize(featurize)  # six characters' instructions, embedded once each
    with console.status(f"embedding {len(rows)} replies with their instructions and facts"):
        features = [
            reply_features(
                cached,
                r["reply"],
                prompts.get(r["character"], "") + (f"\n{SUPPORT_LINE}" if r["support"] else ""),
                r.get("facts", []),
                NEGATION,
                r.get("line") or r.get("player", ""),
            )
            for r in rows
        ]
    heads = ReflectionHeads(w={}, b={}, threshold={}, split=split)
    for kind in HEADS:
        keep = [
            i
            for i, r in enumerate(rows)
            if (kind != "unsupportive" or r["support"])
            and (kind != "contradicts_fact" or r.get("facts"))
        ]
        x = np.stack([head_features(kind, features[i], split) for i in keep])
        y = np.array([int(rows[i]["label"] == kind) for i in keep])
        groups = np.array([rows[i]["character"] for i in keep])
        held_out = np.zeros(len(y))
        for character in sorted(set(groups)):
            test = groups == character
            model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
            held_out[test] = model.fit(x[~test], y[~test]).predict_proba(x[test])[:, 1]
        budget = FALSE_ALARMS.get(kind, 0.02)
        best = _best_threshold(held_out, y, budget)
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x, y)
        heads.w[kind] = model.coef_[0].astype(np.float32)
        heads.b[kind] = float(model.intercept_[0])
        heads.threshold[kind] = round(best[1], 2)
        curve = " ".join(
            f"{_best_threshold(held_out, y, fa)[0]:.2f}@{fa:.0%}" for fa in (0.02, 0.05, 0.1, 0.25)
        )
        console.print(f"  {kind} catch at false alarms: {curve}")
        console.print(
            f"reflection head {kind}: catches {best[0]:.2f} at ≤{budget:.0%} false alarms, "
            f"leaving each character out (threshold {best[1]:.2f})"
        )
    return heads


def main() -> None:
    console = Console()
    started = time.monotonic()
    featurize = Featurizer(SentenceTransformerEmbedder())
    split = featurize.english_dim
    personas = persona_texts(DATA / "refusal_train_personas.json")
    texts = {r["line"] for r in jsonl(DATA / "refusal_train.jsonl") + seed_dialogue_lines()}
    texts |= {r["line"] for r in jsonl(DATA / "emotion_train.jsonl")}
    for p in personas.values():
        for part in p.sentences():
            texts |= set(part)
    vectors = embed_all(featurize, texts, console)
    gate, scores = train_gate(vectors, split, console)
    digest = hashlib.sha256((DATA / "refusal_train.jsonl").read_bytes()).hexdigest()[:16]
    gate.save(data_sha256=digest, **scores)
    reader = train_emotion(vectors, split, console)
    digest = hashlib.sha256((DATA / "emotion_train.jsonl").read_bytes()).hexdigest()[:16]
    reader.save(data_sha256=digest)
    if (DATA / "reflection_train.jsonl").exists():
        heads = train_reflection(featurize, split, console)
        digest = hashlib.sha256((DATA / "reflection_train.jsonl").read_bytes()).hexdigest()[:16]
        heads.save(data_sha256=digest)
    if (DATA / "commitment_train.jsonl").exists():
        judge = train_commitment(featurize, split, console)
        digest = hashlib.sha256((DATA / "commitment_train.jsonl").read_bytes()).hexdigest()[:16]
        judge.save(data_sha256=digest)
    console.print(
        "[green]✓[/] persona/artefacts/gate.npz, emotion.npz, reflection.npz, commitment.npz "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
