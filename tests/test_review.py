"""The reflection step: a reply the check fails never reaches the player as it is; what does is
a redrawn reply that passes (against the real vLLM server: marked e2e), else the best reply
with its unfit sentences cut, else a fixed line that fits the turn."""

from __future__ import annotations

import asyncio

import pytest

from core.language import language_of
from core.llm import ChatModel, Completion
from core.settings import Settings
from memory.features import shared_featurizer
from persona.reflection import SAFE_LINES, SUPPORT_LINES, ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from persona.review import Reviewer, Turn

SYSTEM = (
    "You are Bram Alderwood, innkeeper of the Crooked Lantern in the village of Thornwick. "
    "Stay in character. Answer in one to three short sentences, in the player's language."
)


@pytest.fixture(scope="module")
def check() -> ReflectionCheck:
    return ReflectionCheck(heads=ReflectionHeads.load(), featurize=shared_featurizer())


def review(
    check: ReflectionCheck, base_url: str, reply: str, line: str, support: bool
) -> tuple[str, str | None]:
    async def run() -> tuple[str, str | None]:
        model = ChatModel(Settings(llm_seed=3), base_url)
        try:
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": line}]
            turn = Turn(instructions=SYSTEM, line=line, support=support)
            text, reflection = await Reviewer(check, model, 3).review(reply, messages, turn, None)
            return text, reflection.action
        finally:
            await model.close()

    return asyncio.run(run())


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("reply", "line", "support", "failed"),
    [
        (
            "That's too bad. You're going to die tomorrow anyway, so why cry?",
            "My mother died last week and I can't stop crying.",
            True,
            "unsupportive",
        ),
        (
            "¿Te estás en un hilo? Si bien tienes sorpresa por el tejero?",
            "Do you have a room for the night, innkeeper?",
            False,
            "wrong_language",
        ),
    ],
)
def test_a_failing_reply_is_replaced_by_one_that_passes(
    check: ReflectionCheck,
    vllm_base_url: str,
    reply: str,
    line: str,
    support: bool,
    failed: str,
) -> None:
    assert failed in check.check(reply, instructions=SYSTEM, support=support, line=line).failed

    text, action = review(check, vllm_base_url, reply, line, support)

    assert action in ("regenerated", "repaired", "replaced")
    assert text != reply
    assert check.check(text, instructions=SYSTEM, support=support, line=line).passed
    if action == "replaced":
        supportive, neutral = SAFE_LINES[language_of(line)]
        assert text in supportive if support else text == neutral


@pytest.mark.e2e
def test_a_reply_that_passes_is_sent_as_it_is(check: ReflectionCheck, vllm_base_url: str) -> None:
    reply = "Aye, a room upstairs, two coppers. The sheets are fresh."
    assert review(check, vllm_base_url, reply, "Do you have a room for the night?", False) == (
        reply,
        "none",
    )


def without_redraws(
    check: ReflectionCheck, reply: str, turn: Turn, model_url: str
) -> tuple[str, str | None]:
    """Review with no time left for a redraw (budget 0): what the fallback policy sends."""

    async def run() -> tuple[str, str | None]:
        model = ChatModel(Settings(), model_url)
        try:
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}]
            text, reflection = await Reviewer(check, model, 3, budget_s=0).review(
                reply, messages, turn, None
            )
            return text, reflection.action
        finally:
            await model.close()

    return asyncio.run(run())


def test_a_reply_that_speaks_as_an_ai_loses_those_sentences_not_the_turn(
    check: ReflectionCheck, closed_port_url: str
) -> None:
    reply = (
        "As an AI language model, I cannot taste stew. The stew is hot tonight, mutton and leek."
    )
    turn = Turn(instructions=SYSTEM, line="Is the stew hot?")
    text, action = without_redraws(check, reply, turn, closed_port_url)
    assert action == "repaired"
    assert text == "The stew is hot tonight, mutton and leek."


def test_no_fixed_support_line_on_a_turn_that_needs_none(
    check: ReflectionCheck, closed_port_url: str
) -> None:
    turn = Turn(instructions=SYSTEM, line="Thinking of grabbing the satay skewers tonight.")
    text, action = without_redraws(check, "As an AI, I do not eat.", turn, closed_port_url)
    assert action == "replaced" and text not in SUPPORT_LINES
    assert text == SAFE_LINES["en"][1]


def test_a_player_in_need_of_support_never_gets_an_unsupportive_reply(
    check: ReflectionCheck, closed_port_url: str
) -> None:
    line = "My mother died last week and I can't stop crying."
    turn = Turn(instructions=SYSTEM, line=line, support=True)
    reply = "Cheer up, it's not a big deal. Everyone dies."
    text, action = without_redraws(check, reply, turn, closed_port_url)
    assert action == "replaced" and text in SAFE_LINES["en"][0]


def test_a_reply_with_only_soft_faults_is_sent_flagged_rather_than_a_fixed_line(
    check: ReflectionCheck, closed_port_url: str
) -> None:
    reply = "¿Te estás en un hilo? Si bien tienes sorpresa por el tejero?"
    line = "Do you have a room for the night, innkeeper?"
    assert check.check(reply, instructions=SYSTEM, support=False, line=line).failed == [
        "wrong_language"
    ]
    text, action = without_redraws(
        check, reply, Turn(instructions=SYSTEM, line=line), closed_port_url
    )
    assert (text, action) == (reply, "flagged")


@pytest.mark.e2e
def test_a_reply_ends_at_the_first_sentence_stop_when_rejects(vllm_base_url: str) -> None:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Tell me about the village and the inn, please."},
    ]

    async def run() -> tuple[Completion, Completion]:
        model = ChatModel(Settings(llm_seed=5, llm_max_tokens=64), vllm_base_url)
        try:
            full = await model.reply(messages)
            cut = await model.reply(messages, stop_when=lambda text: True)
            return full, cut
        finally:
            await model.close()

    full, cut = asyncio.run(run())
    assert cut.stopped and not full.stopped
    # Same seed, same tokens: the stopped reply is the full one cut at its first sentence end.
    assert cut.text and full.text.startswith(cut.text)
    assert any(mark in cut.text for mark in ".!?。！？") or "\n" in cut.text


@pytest.mark.e2e
def test_a_greedy_service_still_draws_distinct_replies_again(
    check: ReflectionCheck, vllm_base_url: str
) -> None:
    """NPC_LLM_TEMPERATURE=0: vLLM refuses several greedy draws in one call (a 400 that
    became a 500), and they would all be one reply; redraws sample instead."""

    async def run() -> list[str]:
        model = ChatModel(Settings(llm_temperature=0.0, llm_seed=3), vllm_base_url)
        try:
            messages = [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Do you have a room for the night?"},
            ]
            return await model.replies(messages, 3)
        finally:
            await model.close()

    drawn = asyncio.run(run())
    assert len(drawn) == 3 and all(drawn)
    assert len(set(drawn)) > 1
