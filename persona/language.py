"""Which language a line is in, among those our personas speak (langid, offline, deterministic)."""

from __future__ import annotations

from functools import cache

from langid.langid import LanguageIdentifier, model

LANGUAGES = ("en", "zh", "es", "fr", "de", "ja", "pt", "ru", "ko", "it", "pl", "tr")
# Below this many letters a guess is noise ("ok", "Hola" read as English): keep the default.
_MIN_LETTERS = 6


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def language_of(text: str, default: str = "en") -> str:
    letters = sum(ch.isalpha() for ch in text)
    # One CJK character carries a word; scripts decide these languages even in short lines.
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    if any("\uac00" <= ch <= "\ud7af" for ch in text):
        return "ko"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if letters < _MIN_LETTERS:
        return default
    label, _ = _identifier().classify(text)
    return str(label)
