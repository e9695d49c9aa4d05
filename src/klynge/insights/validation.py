"""The checks every way of giving figures goes through (the form, the API, the import).

Each returns the cleaned values and one localised message per field it refused, so a page, an
API answer and an import report say the same thing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.insights.models import (
    COUNTRY_CURRENCY,
    FIRST_YEAR,
    MONEY_METRICS,
    FigureSource,
    Metric,
)

MAX_MONEY = Decimal("99999999999999")  # 16 digits with 2 decimals
MAX_FTE = Decimal("9999999")

# Figures that cannot be below zero (operating profit can: a loss).
NOT_NEGATIVE = (
    Metric.REVENUE,
    Metric.PERSONNEL_COSTS,
    Metric.EMPLOYEES_FTE,
    Metric.INNOVATION_FUNDING,
    Metric.INNOVATIONS_LAUNCHED,
)


def allowed_currencies(organisation) -> list[str]:
    """The cluster's currency and the organisation's own (its country's)."""
    currencies = [settings.KLYNGE_CURRENCY]
    own = COUNTRY_CURRENCY.get(organisation.country)
    if own and own not in currencies:
        currencies.append(own)
    return currencies


def clean_year(value) -> tuple[int | None, str | None]:
    this_year = timezone.localdate().year
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        return None, _("Enter the year as four digits, e.g. %(year)s.") % {"year": this_year - 1}
    if year > this_year:
        return None, _("%(year)s is in the future: figures can be given up to %(this)s.") % {
            "year": year,
            "this": this_year,
        }
    if year < FIRST_YEAR:
        return None, _("Figures go back to %(first)s at the earliest.") % {"first": FIRST_YEAR}
    return year, None


def parse_number(value) -> Decimal | None:
    """A number from a form, an API body or a spreadsheet cell: 1234.5, 1 234,5, 1.234,5."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if "," in text and "." in text:
            # The last separator is the decimal one: 1.234,5 or 1,234.5.
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif text.count(".") > 1:
            text = text.replace(".", "")  # 2.000.000: dots group thousands
        elif text.count(",") > 1:
            text = text.replace(",", "")  # 2,000,000
        elif "," in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def clean_values(values: dict, *, organisation) -> tuple[dict, dict[str, str]]:
    """Parses the figures in `values` (metric → number, or None to clear it)."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for key, raw in values.items():
        if key not in Metric.values:
            errors[key] = _("“%(key)s” is not a figure; use one of %(keys)s.") % {
                "key": key,
                "keys": ", ".join(Metric.values),
            }
            continue
        try:
            number = parse_number(raw)
        except ValueError:
            errors[key] = _("“%(value)s” is not a number.") % {"value": raw}
            continue
        if number is None:
            cleaned[key] = None
            continue
        if key in NOT_NEGATIVE and number < 0:
            errors[key] = {
                Metric.EMPLOYEES_FTE: _("The number of employees cannot be negative."),
                Metric.INNOVATIONS_LAUNCHED: _("The number of innovations cannot be negative."),
            }.get(key, _("This amount cannot be negative."))
            continue
        if key == Metric.INNOVATIONS_LAUNCHED:
            if number != number.to_integral_value():
                errors[key] = _("Enter a whole number of innovations.")
                continue
            if number > 100000:
                errors[key] = _("Enter at most 100000 innovations.")
                continue
            cleaned[key] = int(number)
            continue
        if key == Metric.EMPLOYEES_FTE:
            if number > MAX_FTE:
                errors[key] = _("That is more employees than any organisation has.")
                continue
            cleaned[key] = number.quantize(Decimal("0.1"))
            continue
        if abs(number) > MAX_MONEY:
            errors[key] = _("The amount is too large.")
            continue
        cleaned[key] = number.quantize(Decimal("0.01"))
    return cleaned, errors


def clean_currency(currency, *, organisation, values: dict) -> tuple[str, str | None]:
    """The currency of the money figures: the cluster's or the organisation's own."""
    allowed = allowed_currencies(organisation)
    text = (currency or "").strip().upper()
    if not text:
        if any(key in MONEY_METRICS for key in values):
            return settings.KLYNGE_CURRENCY, None
        return "", None
    if text not in allowed:
        return "", _(
            "%(currency)s does not match the cluster's or the organisation's currency; "
            "use %(allowed)s."
        ) % {"currency": text, "allowed": " / ".join(allowed)}
    return text, None


def clean_source(source) -> tuple[str, str | None]:
    if source not in FigureSource.values:
        return "", _("Choose one of: %(choices)s.") % {"choices": ", ".join(FigureSource.values)}
    return source, None


def clean_division(code) -> tuple[str, str | None]:
    text = (code or "").strip()
    if not text:
        return "", None
    division = text.split(".")[0][:2]
    if len(division) != 2 or not division.isdigit():
        return "", _("“%(value)s” is not a NACE code; give a division such as 59 or 59.11.") % {
            "value": text
        }
    from klynge.ecosystem.models import NaceCode

    if not NaceCode.objects.filter(code=division, level=2).exists():
        return "", _("%(value)s is not a NACE Rev. 2 division.") % {"value": division}
    return division, None
