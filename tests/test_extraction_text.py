"""The rule-based parts of extraction: sentences, summaries, relative dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from memory.extraction.text import clean_summary, resolve_date, split_sentences

SATURDAY = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'll bring you herbs tomorrow", date(2026, 3, 15)),
        ("明天给你带药草", date(2026, 3, 15)),
        ("te veo mañana", date(2026, 3, 15)),
        ("esta mañana comí pan", None),
        ("the day after tomorrow", date(2026, 3, 16)),
        ("My sister visits next week", date(2026, 3, 21)),
        ("on Friday I have an exam", date(2026, 3, 20)),
        ("Nos vemos el viernes", date(2026, 3, 20)),
        ("下周五要去北京出差", date(2026, 3, 20)),
        ("三天后出发", date(2026, 3, 17)),
        ("in 3 days I leave", date(2026, 3, 17)),
        ("next month I start a new job", date(2026, 4, 13)),
        ("I like apples", None),
    ],
)
def test_relative_dates_resolve_from_the_turn_time(text: str, expected: date | None) -> None:
    assert resolve_date(text, SATURDAY) == expected


def test_sentences_split_on_any_script_but_not_on_commas() -> None:
    assert split_sentences("I have a sensitive stomach, spicy food wrecks me. 我是护士。Hola!") == [
        "I have a sensitive stomach, spicy food wrecks me.",
        "我是护士。",
        "Hola!",
    ]
    assert split_sentences("  \n ") == []


def test_summaries_keep_the_players_words_without_fillers() -> None:
    assert clean_summary("haha well, I have a dog named Rex!") == "I have a dog named Rex"
    assert clean_summary("嗯，我对花生过敏。") == "我对花生过敏"
    assert clean_summary("x" * 300).endswith("…")
