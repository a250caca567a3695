"""Fitting the reply judges on the seed dialogues (see training.judges)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from training.judges import Embeddings, Judges, claim_features, mention_features, sentences
from training.scenarios import Case


def mention_pairs(cases: list[Case]) -> tuple[list[tuple[str, str, list[str]]], list[int]]:
    """(reply, memory, other memories) → does the reply refer to the memory. A seed reply
    refers to exactly the bearing memories; its plain twin and every reply to a line nothing
    bears on refer to none."""
    pairs, labels = [], []
    for c in cases:
        summaries = [m.summary for m in c.memories]
        bearing = {m.summary for m in c.memories if m.id in c.bears}
        for reply, uses in ((c.reply, True), (c.reply_plain, False)):
            if not reply or (not uses and reply == c.reply):
                continue
            for m in summaries:
                pairs.append((reply, m, [o for o in summaries if o != m]))
                labels.append(int(uses and m in bearing))
    return pairs, labels


def claim_sentences(cases: list[Case], emb: Embeddings) -> tuple[list[str], list[int]]:
    """The sentence of a seed reply that uses the bearing memory speaks of the player; the
    sentences of plain replies and of replies to lines nothing bears on do not."""
    texts, labels = [], []
    for c in cases:
        bearing = [m.summary for m in c.memories if m.id in c.bears]
        if c.reply and bearing:
            parts = sentences(c.reply)
            emb.add([*parts, *bearing])
            best = max(parts, key=lambda s: max(float(emb[s][1] @ emb[b][1]) for b in bearing))
            texts.append(best)
            labels.append(1)
        plain = c.reply_plain if bearing else (c.reply or c.reply_plain)
        for sentence in sentences(plain or ""):
            if sentence.strip():
                texts.append(sentence)
                labels.append(0)
    return texts, labels


def train_judges(cases: list[Case], emb: Embeddings) -> tuple[Judges, dict[str, float]]:
    texts_needed = {m.summary for c in cases for m in c.memories}
    for c in cases:
        for reply in (c.reply, c.reply_plain):
            if reply:
                texts_needed |= {reply, *sentences(reply)}
    emb.add(sorted(texts_needed))  # one batched pass instead of one text at a time
    pairs, y = mention_pairs(cases)
    x = np.stack([mention_features(emb, r, m, o) for r, m, o in pairs])
    mention = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x, y)
    texts, labels = claim_sentences(cases, emb)
    emb.add(texts)
    xc = np.stack([claim_features(emb, t) for t in texts])
    claim = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(xc, labels)
    judges = Judges(
        mention_w=mention.coef_[0].astype(np.float32),
        mention_b=float(mention.intercept_[0]),
        claim_w=claim.coef_[0].astype(np.float32),
        claim_b=float(claim.intercept_[0]),
        claim_threshold=0.5,
    )
    return judges, {
        "mention_pairs": len(pairs),
        "claim_sentences": len(texts),
        "mention_train_accuracy": round(float(mention.score(x, y)), 3),
        "claim_train_accuracy": round(float(claim.score(xc, labels)), 3),
    }
