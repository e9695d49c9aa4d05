"""Countries: the ISO 3166-1 alpha-2 codes, named in the reader's language.

The names come from the Unicode CLDR through Babel (already a dependency for money formats), so
every country is named in Danish, English, Norwegian Bokmål and Swedish without 249 entries
in each gettext catalogue. The registry numbers of Denmark, Norway and Sweden are checked by
their check digits (`klynge.ecosystem.registry`); other countries' numbers are kept as given.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from django.utils import translation
from django.utils.functional import lazy

# The 249 officially assigned codes of ISO 3166-1 (as of 2024), in code order.
ISO_3166_1 = (
    "AD",
    "AE",
    "AF",
    "AG",
    "AI",
    "AL",
    "AM",
    "AO",
    "AQ",
    "AR",
    "AS",
    "AT",
    "AU",
    "AW",
    "AX",
    "AZ",
    "BA",
    "BB",
    "BD",
    "BE",
    "BF",
    "BG",
    "BH",
    "BI",
    "BJ",
    "BL",
    "BM",
    "BN",
    "BO",
    "BQ",
    "BR",
    "BS",
    "BT",
    "BV",
    "BW",
    "BY",
    "BZ",
    "CA",
    "CC",
    "CD",
    "CF",
    "CG",
    "CH",
    "CI",
    "CK",
    "CL",
    "CM",
    "CN",
    "CO",
    "CR",
    "CU",
    "CV",
    "CW",
    "CX",
    "CY",
    "CZ",
    "DE",
    "DJ",
    "DK",
    "DM",
    "DO",
    "DZ",
    "EC",
    "EE",
    "EG",
    "EH",
    "ER",
    "ES",
    "ET",
    "FI",
    "FJ",
    "FK",
    "FM",
    "FO",
    "FR",
    "GA",
    "GB",
    "GD",
    "GE",
    "GF",
    "GG",
    "GH",
    "GI",
    "GL",
    "GM",
    "GN",
    "GP",
    "GQ",
    "GR",
    "GS",
    "GT",
    "GU",
    "GW",
    "GY",
    "HK",
    "HM",
    "HN",
    "HR",
    "HT",
    "HU",
    "ID",
    "IE",
    "IL",
    "IM",
    "IN",
    "IO",
    "IQ",
    "IR",
    "IS",
    "IT",
    "JE",
    "JM",
    "JO",
    "JP",
    "KE",
    "KG",
    "KH",
    "KI",
    "KM",
    "KN",
    "KP",
    "KR",
    "KW",
    "KY",
    "KZ",
    "LA",
    "LB",
    "LC",
    "LI",
    "LK",
    "LR",
    "LS",
    "LT",
    "LU",
    "LV",
    "LY",
    "MA",
    "MC",
    "MD",
    "ME",
    "MF",
    "MG",
    "MH",
    "MK",
    "ML",
    "MM",
    "MN",
    "MO",
    "MP",
    "MQ",
    "MR",
    "MS",
    "MT",
    "MU",
    "MV",
    "MW",
    "MX",
    "MY",
    "MZ",
    "NA",
    "NC",
    "NE",
    "NF",
    "NG",
    "NI",
    "NL",
    "NO",
    "NP",
    "NR",
    "NU",
    "NZ",
    "OM",
    "PA",
    "PE",
    "PF",
    "PG",
    "PH",
    "PK",
    "PL",
    "PM",
    "PN",
    "PR",
    "PS",
    "PT",
    "PW",
    "PY",
    "QA",
    "RE",
    "RO",
    "RS",
    "RU",
    "RW",
    "SA",
    "SB",
    "SC",
    "SD",
    "SE",
    "SG",
    "SH",
    "SI",
    "SJ",
    "SK",
    "SL",
    "SM",
    "SN",
    "SO",
    "SR",
    "SS",
    "ST",
    "SV",
    "SX",
    "SY",
    "SZ",
    "TC",
    "TD",
    "TF",
    "TG",
    "TH",
    "TJ",
    "TK",
    "TL",
    "TM",
    "TN",
    "TO",
    "TR",
    "TT",
    "TV",
    "TW",
    "TZ",
    "UA",
    "UG",
    "UM",
    "US",
    "UY",
    "UZ",
    "VA",
    "VC",
    "VE",
    "VG",
    "VI",
    "VN",
    "VU",
    "WF",
    "WS",
    "YE",
    "YT",
    "ZA",
    "ZM",
    "ZW",
)
# Kept for organisations recorded before every country was known to Klynge.
OTHER = "XX"
# First in every list of countries: the countries of the clusters Klynge serves.
NORDIC = ("DK", "NO", "SE")

_LANGUAGE_TO_LOCALE = {"nb": "nb", "no": "nb", "nn": "nn", "da": "da", "sv": "sv", "en": "en"}


@lru_cache(maxsize=16)
def _territories(language: str) -> dict[str, str]:
    code = _LANGUAGE_TO_LOCALE.get(language.split("-")[0].lower(), "en")
    try:
        return dict(Locale.parse(code).territories)
    except (ValueError, LookupError):
        return dict(Locale.parse("en").territories)


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active one), e.g. "NO" → "Norge"."""
    if code == OTHER:
        from django.utils.translation import gettext

        if language is None:
            return gettext("Other country")
        with translation.override(language):
            return gettext("Other country")
    language = language or translation.get_language() or "en"
    return _territories(language).get(code, code)


country_label = lazy(country_name, str)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for every country, the Nordic ones first, the rest by name in the active
    language (for a form's select; usable as a callable `choices`)."""
    names = _territories(translation.get_language() or "en")
    rest = sorted(
        (code for code in ISO_3166_1 if code not in NORDIC),
        key=lambda code: names.get(code, code).casefold(),
    )
    return [(code, country_name(code)) for code in (*NORDIC, *rest)]


def all_names(code: str, languages=("da", "en", "nb", "sv")) -> set[str]:
    """The country's names in Klynge's languages (for reading an import's country column)."""
    return {country_name(code, language) for language in languages}
