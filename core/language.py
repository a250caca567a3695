"""Which language a line is in, among those our personas speak.

lingua (its n-gram models ship in the wheel: offline, deterministic) rather than langid: on our
3,275 labeled lines and replies langid missed 61 and lingua 31, nearly all of them a few letters
long, and langid's probabilities are no guide (it reads "I'm heartbroken. My fiancée left me."
as French at 0.99999), while lingua's relative confidences are.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_LINGUA = {
    "en": Language.ENGLISH,
    "zh": Language.CHINESE,
    "es": Language.SPANISH,
    "fr": Language.FRENCH,
    "de": Language.GERMAN,
    "ja": Language.JAPANESE,
    "pt": Language.PORTUGUESE,
    "ru": Language.RUSSIAN,
    "ko": Language.KOREAN,
    "it": Language.ITALIAN,
    "pl": Language.POLISH,
    "tr": Language.TURKISH,
}
_CODE = {language: code for code, language in _LINGUA.items()}
LANGUAGES = tuple(_LINGUA)
# Below this many letters a guess is noise ("ok", "Hola" read as English): keep the default.
_MIN_LETTERS = 6
# A reply judged to be in another language than the player's is generated again: both calls
# must be sure. Over 1,790 (line, reply) pairs in one language these give 3 false calls.
_SURE_LETTERS = 16
_SURE_CONFIDENCE = 0.5


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA.values()).build()


def _script(text: str) -> str | None:
    """One CJK character carries a word; scripts decide these languages even in short lines."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    if any("\uac00" <= ch <= "\ud7af" for ch in text):
        return "ko"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    return None


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def language_name(code: str) -> str:
    """The language's English name ("zh" → "Chinese"), for instructions to the model."""
    return _LINGUA[code].name.title() if code in _LINGUA else code


def language_of(text: str, default: str = "en") -> str:
    if (script := _script(text)) is not None:
        return script
    if _letters(text) < _MIN_LETTERS:
        return default
    found = _detector().detect_language_of(text)
    return _CODE[found] if found is not None else default


def sure_language(text: str) -> str | None:
    """The text's language when its script decides it or the detector is sure; else None."""
    if (script := _script(text)) is not None:
        return script
    if _letters(text) < _SURE_LETTERS:
        return None
    best = _detector().compute_language_confidence_values(text)[0]
    return _CODE[best.language] if best.value >= _SURE_CONFIDENCE else None


def player_language(line: str, earlier: Sequence[str] = ()) -> str | None:
    """The language the player writes in: the line's, when it is sure; else that of the line
    with their last few ("Got any ale left?" is too short alone)."""
    return sure_language(line) or sure_language(" ".join([*earlier[-3:], line]))


def other_language(reply: str, line: str, heard: str | None = None) -> bool:
    """Whether the reply is surely in another language than the player's line (or than
    `heard`, the player's language found from more of their lines)."""
    heard = heard or sure_language(line)
    said = sure_language(reply)
    return heard is not None and said is not None and heard != said
