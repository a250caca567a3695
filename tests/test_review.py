"""The reflection step against the real vLLM server: a reply the check fails never reaches the
player; what does is a regenerated reply that passes, or the safe line in the player's
language. Slow: marked e2e."""

from __future__ import annotations

import asyncio

import pytest

from memory.features import shared_featurizer
from persona.language import language_of
from persona.reflection import SAFE_LINES, ReflectionCheck
from persona.reflection_heads import ReflectionHeads
from service.llm import ChatModel
from service.review import Reviewer
from service.settings import Settings

pytestmark = pytest.mark.e2e

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
            text, reflection = await Reviewer(check, model, 3).review(
                reply, messages, SYSTEM, support, [], None, line
            )
            return text, reflection.action
        finally:
            await model.close()

    return asyncio.run(run())


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
    assert failed in check.check(reply, SYSTEM, support, line=line).failed

    text, action = review(check, vllm_base_url, reply, line, support)

    assert action in ("regenerated", "replaced")
    assert text != reply
    assert check.check(text, SYSTEM, support, line=line).passed
    if action == "replaced":
        supportive, neutral = SAFE_LINES[language_of(line)]
        assert text in supportive if support else text == neutral


def test_a_reply_that_passes_is_sent_as_it_is(check: ReflectionCheck, vllm_base_url: str) -> None:
    reply = "Aye, a room upstairs, two coppers. The sheets are fresh."
    assert review(check, vllm_base_url, reply, "Do you have a room for the night?", False) == (
        reply,
        "none",
    )
