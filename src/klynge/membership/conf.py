"""This app's settings, each with a default, overridable in the Django settings.

| setting | default | meaning |
|---|---|---|
| ``KLYNGE_SELLER_COUNTRY`` | ``"DK"`` | the country the cluster organisation is registered for VAT in |
| ``KLYNGE_VAT_RATES`` | ``{"DK": 25}`` | VAT percent by the country where a service is taxed: the member's for membership fees (buyers elsewhere pay 0 % and the invoice says why: reverse charge in the EU, outside the seller's VAT area otherwise), the seller's for event tickets and studio time |
| ``KLYNGE_INVOICE_PAYMENT_DAYS`` | 30 | days from issue to due date |
| ``KLYNGE_RENEWAL_NOTICE_DAYS`` | 30 | the renewal invoice is created this many days before a period ends |
| ``KLYNGE_MEMBERSHIP_GRACE_DAYS`` | 30 | an unpaid membership is in grace this long after its end, then lapses |
| ``KLYNGE_INVOICE_REMINDER_DAYS`` | ``(1, 14, 28)`` | reminder steps: days after the due date |
| ``KLYNGE_INVOICE_FIRST_NUMBER`` | 1 | first invoice number (to continue an earlier system's sequence) |
| ``KLYNGE_SELLER_ADDRESS`` | ``""`` | the cluster's postal address on invoices (lines separated by newlines) |
| ``KLYNGE_SELLER_REGISTRY_NUMBER`` | ``""`` | the cluster's CVR / organisation number on invoices |
| ``KLYNGE_PAYMENT_DETAILS`` | ``""`` | bank account / IBAN printed in the payment terms |
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

DEFAULT_VAT_RATES = {"DK": 25}

# The member states of the EU VAT area (Norway, Iceland and Liechtenstein are in the EEA but not
# in it; Greece is "EL" in VAT numbers but "GR" in ISO 3166, which Klynge stores).
EU_VAT_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def seller_country() -> str:
    return getattr(settings, "KLYNGE_SELLER_COUNTRY", "DK")


def vat_rates() -> dict[str, Decimal]:
    rates = getattr(settings, "KLYNGE_VAT_RATES", DEFAULT_VAT_RATES)
    return {country: Decimal(str(rate)) for country, rate in rates.items()}


def vat_rate_for(country: str) -> Decimal:
    return vat_rates().get(country, Decimal("0")).quantize(Decimal("0.01"))


def vat_note(buyer_country: str, rate: Decimal) -> str:
    """Why an invoice without VAT has none, in the current language ("" when it has VAT).

    Membership is a service to a business: between two EU countries the buyer accounts for the
    VAT (reverse charge); a buyer outside the seller's VAT area (a Norwegian member of a Danish
    cluster, a Danish member of a Norwegian one) is not charged the seller's VAT either.
    """
    from django.utils.translation import gettext as _

    if rate:
        return ""
    seller = seller_country()
    if buyer_country == seller:
        return _("No VAT is charged.")
    if seller in EU_VAT_COUNTRIES and buyer_country in EU_VAT_COUNTRIES:
        return _(
            "Reverse charge: the buyer accounts for the VAT (Article 196 of Council Directive "
            "2006/112/EC)."
        )
    return _(
        "No VAT is charged: the service is supplied to a business outside the seller's VAT "
        "area; the buyer accounts for any VAT in their own country."
    )


def payment_days() -> int:
    return int(getattr(settings, "KLYNGE_INVOICE_PAYMENT_DAYS", 30))


def renewal_notice_days() -> int:
    return int(getattr(settings, "KLYNGE_RENEWAL_NOTICE_DAYS", 30))


def grace_days() -> int:
    return int(getattr(settings, "KLYNGE_MEMBERSHIP_GRACE_DAYS", 30))


def reminder_days() -> tuple[int, ...]:
    return tuple(sorted(getattr(settings, "KLYNGE_INVOICE_REMINDER_DAYS", (1, 14, 28))))


def first_invoice_number() -> int:
    return int(getattr(settings, "KLYNGE_INVOICE_FIRST_NUMBER", 1))


def seller_address() -> str:
    return getattr(settings, "KLYNGE_SELLER_ADDRESS", "")


def seller_registry_number() -> str:
    return getattr(settings, "KLYNGE_SELLER_REGISTRY_NUMBER", "")


def payment_details() -> str:
    return getattr(settings, "KLYNGE_PAYMENT_DETAILS", "")


def currency() -> str:
    return settings.KLYNGE_CURRENCY
