"""The dialogue data pipeline, step by step, on the real seed set, the service's real recall,
refusal gate and reflection check, and the shipped reply judges."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from memory.embedding import shared_minilm
from memory.events import EVENT_TYPES
from memory.features import shared_featurizer
from persona.character import CharacterReader
from persona.emotion import shipped_reader
from persona.gate import shipped_gate
from persona.prompt import STAND_INS
from persona.reflection import ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from training.data import PERSONAS, SEED, held_out
from training.filters import Filters
from training.judges import Embeddings, Judges, sentences, words
from training.retrieval import Grounded, ground, scratch_pool
from training.scenarios import Case, Memory, load_cases, load_personas, scenarios, with_distractors
from training.teacher import ModelTeacher, SeedTeacher

STOMACH = Case(
    id="t-hotpot",
    persona="smith",
    lang="en",
    kind="memory",
    memories=[
        Memory(id="m1", type="health", summary="has a sensitive stomach; spicy food upsets it"),
        Memory(id="m2", type="relationship", summary="his sister Mia lives by the river"),
        Memory(id="m3", type="preference", summary="loves the autumn fair"),
        Memory(id="m4", type="identity", summary="works as a carpenter's apprentice"),
    ],
    bears=["m1"],
    line="I really want hotpot tonight!",
    reply="Hotpot? Didn't you tell me spicy food turns your stomach? Ask for the mild broth.",
    reply_plain="Hotpot on a cold night, now that's a fine idea. Mind the broth, it bites.",
)


@pytest.fixture(scope="module")
def reader() -> CharacterReader:
    return CharacterReader(shared_featurizer(), shipped_gate(), shipped_reader())


@pytest.fixture(scope="module")
def filters(reader: CharacterReader) -> Filters:
    featurize = shared_featurizer()
    check = ReflectionCheck(
        cheer=reader.cheer,
        embed=shared_minilm().embed_sync,
        heads=ReflectionHeads.load(),
        featurize=featurize,
    )
    return Filters(Judges.load(), check, Embeddings(featurize, featurize.english_dim))


def grounded(cases: list[Case], reader: CharacterReader) -> list[Grounded]:
    made = scenarios(cases, load_personas(PERSONAS))

    async def run() -> list[Grounded]:
        with scratch_pool() as store:
            return await ground(made, reader, store)

    return asyncio.run(run())


def test_the_seed_set_is_big_varied_and_well_formed() -> None:
    cases = load_cases(SEED)
    made = scenarios(cases, load_personas(PERSONAS))

    assert len(cases) >= 300 and len({c.id for c in cases}) == len(cases)
    assert len({c.persona for c in cases}) >= 4
    assert sum(n >= 10 for n in Counter(c.lang for c in cases).values()) >= 5
    assert set(Counter(c.kind for c in cases)) == {"memory", "none", "refuse", "support"}
    for s in made:
        assert {e.type for e in s.events} <= set(EVENT_TYPES)
        assert set(s.case.bears) <= {m.id for m in s.case.memories}
        assert len(s.bearing) == (1 if s.case.kind == "memory" else len(s.case.bears))
    # One seed case in ten is held out, with every distractor copy of it.
    assert 0.05 < sum(held_out(c.id) for c in cases) / len(cases) < 0.15
    assert held_out("seed-a-001") == held_out("seed-a-001+2")


def test_lent_distractors_come_from_the_same_language_and_never_match_a_bearing_type() -> None:
    cases = [c for c in load_cases(SEED) if c.lang == "zh"][:20]

    grown = with_distractors(cases, copies=2)

    assert len(grown) == 3 * len(cases)
    originals = {c.id: c for c in cases}
    zh_summaries = {m.summary for c in cases for m in c.memories}
    for copy in grown[len(cases) :]:
        base = originals[copy.id.split("+")[0]]
        lent = copy.memories[len(base.memories) :]
        assert 1 <= len(lent) <= 3 and copy.line == base.line and copy.bears == base.bears
        assert {m.summary for m in lent} <= zh_summaries
        bearing_types = {m.type for m in base.memories if m.id in base.bears}
        assert not {m.type for m in lent} & bearing_types


def test_retrieval_puts_exactly_what_recall_returns_into_the_services_prompt(
    reader: CharacterReader,
) -> None:
    python = STOMACH.model_copy(update={"id": "t-python", "line": "How do I write Python code?"})
    [hotpot, refused] = grounded([STOMACH, python], reader)

    assert "m1" in hotpot.recalled and hotpot.shown_bearing == ["m1"]
    system = hotpot.messages[0]["content"]
    assert '"has a sensitive stomach; spicy food upsets it"' in system
    for memory in STOMACH.memories:  # in the prompt (alone or in the profile) iff recalled
        assert (memory.id in hotpot.recalled) == (memory.summary in system)
    assert hotpot.messages[-1] == {"role": "user", "content": "I really want hotpot tonight!"}
    assert refused.refused == "out_of_world" and refused.recalled == []
    assert refused.messages[-1]["content"] == STAND_INS["out_of_world"]


def test_the_seed_teacher_never_teaches_a_memory_the_prompt_did_not_show(
    reader: CharacterReader,
) -> None:
    [g] = grounded([STOMACH], reader)
    hidden = g.model_copy(update={"recalled": ["m3"]})
    teacher = SeedTeacher()

    assert asyncio.run(teacher.write(g)) == STOMACH.reply
    assert asyncio.run(teacher.write(hidden)) == STOMACH.reply_plain


def test_the_model_teacher_reads_the_services_prompt_plus_a_guide_the_student_never_sees(
    reader: CharacterReader,
) -> None:
    [g] = grounded([STOMACH], reader)
    messages = ModelTeacher(None, "teacher").messages(g)  # type: ignore[arg-type]

    assert messages[1:] == g.messages[1:]
    assert messages[0]["content"].startswith(g.messages[0]["content"])
    assert '"has a sensitive stomach; spicy food upsets it" bears' in messages[0]["content"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (STOMACH.reply, None),
        ("", "no_reply"),
        ("word " * 70, "too_long"),
        (
            "¿Hotpot? ¿No me dijiste que la comida picante te sienta mal al estómago?",
            "wrong_language",
        ),
        (
            "As an AI language model, I cannot eat hotpot, but spicy food may upset you.",
            "out_of_character",
        ),
        (
            "Hotpot sounds good. The forge is hot today, I'll shoe your horse tomorrow.",
            "ignores_memory",
        ),
        (
            "Hotpot? Your stomach hates spice. Bring your sister Mia from the river too!",
            "mentions_distractor",
        ),
        (
            "Hotpot? Mind your stomach with the spice. Didn't you say you were a baker?",
            "invents_fact",
        ),
    ],
)
def test_each_filter_rejects_what_it_names(
    reader: CharacterReader, filters: Filters, reply: str, reason: str | None
) -> None:
    [g] = grounded([STOMACH], reader)
    assert filters.reason(g, reply) == reason


def test_a_near_duplicate_of_a_kept_reply_is_dropped_and_counted(
    reader: CharacterReader, filters: Filters
) -> None:
    [g] = grounded([STOMACH], reader)
    fresh = Filters(filters.judges, filters.check, filters.emb)

    assert fresh.keep(g, STOMACH.reply)
    assert not fresh.keep(g, STOMACH.reply.replace("Ask for", "Just ask for"))
    assert fresh.rejected == Counter({"near_duplicate": 1})


def test_sentences_and_words_split_cjk_too() -> None:
    assert sentences("坐船过江？你不是怕水吗？好。") == ["坐船过江？", "你不是怕水吗？", "好。"]
    assert "怕水" in words("你不是怕水吗") and "stomach" in words("your Stomach, friend")


def test_make_data_writes_train_and_heldout_and_counts_every_rejection(tmp_path: Path) -> None:
    from rich.console import Console

    from training.data import build, write

    few = tmp_path / "seed.jsonl"
    lines = SEED[0].read_text(encoding="utf-8").splitlines()[:30]
    few.write_text("\n".join(lines) + "\n", encoding="utf-8")
    judges = Path("training/artefacts/judges.npz")
    shipped = judges.read_bytes()
    try:
        splits, report = asyncio.run(build([few], PERSONAS, 0, SeedTeacher(), Console()))
    finally:
        judges.write_bytes(shipped)  # build refits the judges on its seed: keep the shipped ones
    write(tmp_path / "out", splits, report)

    kept = report["kept"]["train"] + report["kept"]["heldout"]
    assert kept + sum(report["rejected"].values()) == report["scenarios"] == 30
    assert kept >= 10
    row = splits["train"][0]
    assert row["messages"][0]["role"] == "system" and row["reply"]
    assert (tmp_path / "out" / "train.jsonl").read_text().count("\n") == report["kept"]["train"]


@pytest.mark.e2e
def test_a_model_teacher_is_shown_the_memory_to_use_and_writes_reproducibly(
    reader: CharacterReader, vllm_base_url: str
) -> None:
    from openai import AsyncOpenAI

    from core.settings import Settings

    [g] = grounded([STOMACH], reader)
    client = AsyncOpenAI(base_url=vllm_base_url, api_key="EMPTY")
    teacher = ModelTeacher(client, Settings().llm_model)

    asked = teacher.messages(g)

    async def twice() -> tuple[str | None, str | None]:
        return await teacher.write(g), await teacher.write(g)

    reply, again = asyncio.run(twice())

    # The persona's own prompt, then the memory the reply must use, then the same lines.
    [shown] = g.scenario.summaries(g.shown_bearing)
    assert asked[0]["content"].startswith(g.messages[0]["content"])
    assert json.dumps(shown, ensure_ascii=False) in asked[0]["content"]
    assert asked[1:] == g.messages[1:]
    # Seeded: `make data` run again asks the same and gets the same replies to filter.
    assert reply and reply == again
