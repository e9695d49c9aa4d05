"""Texts in several languages: a survey's title, questions and options are dicts
``{"da": "...", "en": "..."}``, and the respondent reads their own language.

Falling back: a Dane, Norwegian or Swede reads the other two Scandinavian languages more easily
than English, and English readers get the survey's main language next, so when a language is
missing the nearest one is used (`FALLBACK`), then the survey's main language, then any text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

SURVEY_LANGUAGES = list(settings.LANGUAGES)
LANGUAGE_CODES = tuple(code for code, _name in SURVEY_LANGUAGES)
FALLBACK = {
    "da": ("da", "nb", "sv", "en"),
    "nb": ("nb", "da", "sv", "en"),
    "sv": ("sv", "nb", "da", "en"),
    "en": ("en",),
}
# The language of a country's organisations, when nothing better is known.
COUNTRY_LANGUAGE = {"DK": "da", "NO": "nb", "SE": "sv"}


def _base(language: str | None) -> str:
    """'nb-no' -> 'nb', 'no' -> 'nb', 'en-gb' -> 'en'; '' for nothing known."""
    code = (language or "").lower().split("-")[0].split("_")[0]
    if code in ("no", "nn"):
        return "nb"
    return code if code in LANGUAGE_CODES else ""


def chain(language: str | None, default_language: str) -> list[str]:
    """The languages to try, in order, for a reader of `language`."""
    order = [*FALLBACK.get(_base(language), ()), default_language, *LANGUAGE_CODES]
    return list(dict.fromkeys(code for code in order if code))


def text_in(texts: dict | None, language: str | None, default_language: str = "en") -> str:
    """The text for a reader of `language` (the active language when None), falling back."""
    texts = texts or {}
    language = language or translation.get_language()
    for code in chain(language, default_language):
        value = (texts.get(code) or "").strip()
        if value:
            return value
    return ""


def pick_language(wanted: Iterable[str | None], offered: list[str], default_language: str) -> str:
    """The language a respondent gets: the first of `wanted` the survey is offered in, else the
    nearest offered language to the first wanted one, else the survey's main language."""
    wanted = [code for code in (_base(w) for w in wanted) if code]
    for code in wanted:
        if code in offered:
            return code
    if wanted:
        for code in chain(wanted[0], default_language):
            if code in offered:
                return code
    return default_language if default_language in offered else (offered or ["en"])[0]


def clean_texts(value, languages: Iterable[str]) -> dict[str, str]:
    """Keeps the given languages' non-empty texts, stripped."""
    value = value or {}
    return {code: str(value.get(code) or "").strip() for code in languages if value.get(code)}


def language_name(code: str) -> str:
    """The language's name in the reader's language ("Danish", "dansk" ...)."""
    return str(dict(settings.LANGUAGES).get(code, code))
