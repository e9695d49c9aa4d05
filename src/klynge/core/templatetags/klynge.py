from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()

_BABEL_LOCALE = {"da": "da_DK", "en": "en_GB", "nb": "nb_NO", "sv": "sv_SE"}


@register.filter
def money(amount, currency: str = ""):
    """Formats an amount in a currency the way the current language writes it:
    ``{{ 1250|money:"DKK" }}`` is "1.250,00 kr." in Danish and "DKK 1,250.00" in English."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return ""
    locale = _BABEL_LOCALE.get(translation.get_language() or "", "en_GB")
    return format_currency(value, currency or settings.KLYNGE_CURRENCY, locale=locale)


@register.simple_tag(takes_context=True)
def active(context, url: str) -> str:
    """'page' when the current path is `url` (or below it), for aria-current."""
    path = context["request"].path
    if url == "/":
        return "page" if path == "/" else ""
    return "page" if path.startswith(url) else ""


@register.filter
def role_label(role: str) -> str:
    from klynge.accounts.roles import Role

    return Role(role).label if role in Role.values else role
