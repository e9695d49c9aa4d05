"""National business registry numbers and their check digits.

- Denmark, CVR: 8 digits, weights 2 7 6 5 4 3 2 1, weighted sum divisible by 11.
- Norway, organisasjonsnummer: 9 digits, weights 3 2 7 6 5 4 3 2 on the first eight; the ninth
  is 11 − (sum mod 11), where 11 means 0 and 10 means the number cannot exist.
- Sweden, organisationsnummer: 10 digits (often written NNNNNN-NNNN), Luhn checksum.

Numbers are stored normalised (digits only); with the country they are the de-duplication key.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_NO_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_LENGTH = {"DK": 8, "NO": 9, "SE": 10}


def normalise(raw: str) -> str:
    """Drops spaces, dashes, dots and a country prefix (DK12345678, NO 123 456 789 MVA)."""
    text = (raw or "").strip().upper()
    text = re.sub(r"^(DK|NO|SE)", "", text)
    text = re.sub(r"MVA$", "", text)
    return re.sub(r"[\s.\-]", "", text)


def cvr_is_valid(digits: str) -> bool:
    return (
        len(digits) == 8
        and digits.isdigit()
        and digits[0] != "0"
        and sum(int(d) * w for d, w in zip(digits, _CVR_WEIGHTS, strict=True)) % 11 == 0
    )


def no_orgnr_is_valid(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:8], _NO_WEIGHTS, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(digits[8])


def luhn_is_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def se_orgnr_is_valid(digits: str) -> bool:
    return len(digits) == 10 and luhn_is_valid(digits)


_VALIDATORS = {"DK": cvr_is_valid, "NO": no_orgnr_is_valid, "SE": se_orgnr_is_valid}
_NAMES = {"DK": "CVR", "NO": "organisasjonsnummer", "SE": "organisationsnummer"}


def clean_registry_number(country: str, raw: str) -> str:
    """The normalised number, or ValidationError with a message a person can act on.

    Countries without a known check (outside DK, NO, SE) keep the number as typed, normalised.
    """
    digits = normalise(raw)
    if not digits:
        return ""
    validator = _VALIDATORS.get(country)
    if validator is None:
        if len(digits) > 20:
            raise ValidationError(_("A registry number has at most 20 characters."))
        return digits
    length = _LENGTH[country]
    if not digits.isdigit() or len(digits) != length:
        raise ValidationError(
            _("A %(name)s has %(length)s digits; “%(value)s” does not.")
            % {"name": _NAMES[country], "length": length, "value": raw.strip()}
        )
    if not validator(digits):
        raise ValidationError(
            _("“%(value)s” is not a valid %(name)s: the check digit does not match.")
            % {"value": raw.strip(), "name": _NAMES[country]}
        )
    return digits
