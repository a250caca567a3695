"""Language-regular parts of extraction, done by rules: sentences, summaries, relative dates."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# Not on commas, full-width ones included: measured on the dev set, splitting clauses there
# cut Chinese F1 from 0.80 to 0.76 (facts lose the context the rest of the clause gives).
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？；…])\s*|\n+")
_LEADING_FILLER = re.compile(
    r"^(?:(?:well|so|oh|ah|um+|uh+|haha+|lol|btw|anyway|ok(?:ay)?|hey|jaja+|pues|bueno|"
    r"嗯+|哈哈+|那个|其实|啊)[,，\s!.]*)+",
    re.IGNORECASE,
)
_MIN_CHARS = 2


def split_sentences(text: str) -> list[str]:
    """Sentences of a player's line, each stripped; fragments of one character dropped."""
    parts = [p.strip(" \t,，、") for p in _SENTENCE_END.split(text)]
    return [p for p in parts if len(p) >= _MIN_CHARS]


def clean_summary(sentence: str, limit: int = 200) -> str:
    """The player's own words, minus leading fillers, cut to `limit` characters."""
    cleaned = _LEADING_FILLER.sub("", sentence).strip() or sentence.strip()
    cleaned = cleaned.rstrip(" .!?;。！？；")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lunes": 0,
    "martes": 1,
    "miércoles": 2,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sábado": 5,
    "sabado": 5,
    "domingo": 6,
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonntag": 6,
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "两": 2,
    "二": 2,
    "三": 3,
    "五": 5,
    "一": 1,
}

# (pattern, days from the turn's date), most specific first.
_OFFSETS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(p, re.IGNORECASE), days)
    for p, days in [
        (r"day after tomorrow|后天|pasado mañana|übermorgen|après-demain|明後日|あさって", 2),
        (r"\btomorrow\b|明天|明日|\bmorgen\b|\bdemain\b|(?<!la )(?<!esta )\bmañana\b", 1),
        (
            r"\b(?:today|tonight)\b|今天|今晚|今日|\bhoy\b|esta noche|\bheute\b|"
            r"aujourd'hui|ce soir",
            0,
        ),
        (
            r"next week|下周|下星期|下礼拜|próxima semana|semana que viene|nächste[n]? woche|"
            r"semaine prochaine|来週",
            7,
        ),
        (
            r"next month|下个月|下個月|próximo mes|mes que viene|nächste[n]? monat|"
            r"mois prochain|来月",
            30,
        ),
        (r"next year|明年|próximo año|año que viene|nächste[s]? jahr|l'année prochaine|来年", 365),
    ]
]
_IN_DAYS = re.compile(
    r"\bin (\d+|one|two|three|four|five|six|seven|ten) days?\b|(\d+|[一两二三五])\s*天[后後]|"
    r"\ben (\d+) días\b|\bin (\d+) tagen\b|\bdans (\d+) jours\b",
    re.IGNORECASE,
)
_WEEKDAY_WORD = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
_ZH_WEEKDAY_WORD = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")


_ZH_NEXT_WEEK_DAY = re.compile(r"(?:下周|下星期|下礼拜)([一二三四五六日天])")


def resolve_date(text: str, at: datetime) -> date | None:
    """The calendar date a relative expression in `text` points to, counted from `at`."""
    today = at.date()
    if m := _ZH_NEXT_WEEK_DAY.search(text):
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=_ZH_WEEKDAY[m.group(1)])
    match = _IN_DAYS.search(text)
    if match:
        raw = next(g for g in match.groups() if g)
        days = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw.lower(), 0)
        return today + timedelta(days=days)
    for pattern, days in _OFFSETS:
        if pattern.search(text):
            return today + timedelta(days=days)
    weekday: int | None = None
    if m := _WEEKDAY_WORD.search(text):
        weekday = _WEEKDAYS[m.group(1).lower()]
    elif m := _ZH_WEEKDAY_WORD.search(text):
        weekday = _ZH_WEEKDAY[m.group(1)]
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None
