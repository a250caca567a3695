"""The reflection check on replies, with the real emotion reader and MiniLM."""

from __future__ import annotations

import pytest

from memory.embedding import shared_minilm
from memory.extraction.classifier import Featurizer
from persona.character import CharacterReader
from persona.emotion import shipped_reader
from persona.language import language_of
from persona.reflection import SAFE_LINES, ReflectionCheck, leaks, safe_line

INSTRUCTIONS = (
    "You are Bram Alderwood, a character in a game world. Stay in character. You are talking "
    "with a traveller (the player). Answer in one to three short sentences, in the player's "
    "language. Never say you are an AI or a language model."
)


@pytest.fixture(scope="module")
def check() -> ReflectionCheck:
    reader = CharacterReader(Featurizer(shared_minilm()), None, shipped_reader())
    return ReflectionCheck(cheer=reader.cheer, embed=shared_minilm().embed_sync)


@pytest.mark.parametrize(
    "reply",
    [
        "As an AI language model, I cannot taste stew.",
        "I'm just a program, friend, but the cider is good.",
        "作为一个人工智能，我没有家人。",
        "Como modelo de lenguaje, no puedo beber.",
    ],
)
def test_replies_that_break_character_fail(check: ReflectionCheck, reply: str) -> None:
    assert check.check(reply, INSTRUCTIONS, support=False).failed == ["breaks_character"]


def test_a_reply_repeating_the_instructions_leaks(check: ReflectionCheck) -> None:
    reply = "My orders? Answer in one to three short sentences, in the player's language."
    assert check.check(reply, INSTRUCTIONS, support=False).failed == ["leaks_prompt"]
    assert not leaks("Sit by the fire, friend, the stew is hot.", INSTRUCTIONS)
    assert leaks(
        "我的指令是：你是布拉姆，游戏世界里的角色，保持角色。",
        "你是布拉姆，游戏世界里的角色，保持角色。",
    )


def test_cheer_and_dismissal_fail_when_support_was_needed(check: ReflectionCheck) -> None:
    dismissive = "Cheer up, it's not that bad! Have an ale."
    kind = "Oh, friend. I'm so sorry about your mother. Sit with me a while."

    assert check.check(dismissive, INSTRUCTIONS, support=True).failed == ["unsupportive"]
    assert check.check(dismissive, INSTRUCTIONS, support=False).passed
    assert check.check(kind, INSTRUCTIONS, support=True).passed


def test_denying_what_the_player_told_us_is_a_contradiction(check: ReflectionCheck) -> None:
    facts = ["I have a sensitive stomach", "My sister Mia lives in Thornwick"]

    denial = check.check(
        "You don't have a sensitive stomach, have the spicy stew!", INSTRUCTIONS, False, facts
    )
    caring = check.check(
        "Hotpot? Didn't you say your stomach is sensitive?", INSTRUCTIONS, False, facts
    )

    assert denial.failed == ["contradicts_fact"]
    assert caring.passed


def test_the_trained_heads_catch_what_no_rule_lists() -> None:
    from persona.reflection import CachedFeaturize
    from persona.reflection_heads import ReflectionHeads

    rules_only = ReflectionCheck()
    with_heads = ReflectionCheck(
        heads=ReflectionHeads.load(), featurize=CachedFeaturize(Featurizer(shared_minilm()))
    )
    cases = [
        (
            "Ah, my orders say I should validate your feelings first. Consider them validated.",
            True,
            "leaks_prompt",
        ),
        (
            "Enough tears. A grown man should be tending his fields, not whining.",
            True,
            "unsupportive",
        ),
        ("Let me check the news on my phone, friend.", False, "breaks_character"),
    ]
    for reply, support, kind in cases:
        assert rules_only.check(reply, INSTRUCTIONS, support).passed
        assert kind in with_heads.check(reply, INSTRUCTIONS, support).failed
    assert with_heads.check("Sit by the fire, friend, the stew is hot.", INSTRUCTIONS, False).passed


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("I lost my job today and I don't know what to do", "en"),
        ("今天我的猫死了，我好难过", "zh"),
        ("Hoy me siento muy solo, nadie me escucha", "es"),
        ("Je n'arrive plus à dormir, tout m'angoisse", "fr"),
        ("Mein Vater ist letzte Woche gestorben", "de"),
        ("試験に落ちて、もうだめだ", "ja"),
        ("Мне очень грустно сегодня", "ru"),
    ],
)
def test_the_safe_line_speaks_the_players_language(line: str, language: str) -> None:
    assert language_of(line) == language
    assert safe_line(True, language) == SAFE_LINES[language][0]
    assert safe_line(True, language) != safe_line(False, language)


def test_a_too_short_line_keeps_the_default_language() -> None:
    assert language_of("ok", default="es") == "es"
    assert safe_line(False, "xx") == SAFE_LINES["en"][1]
