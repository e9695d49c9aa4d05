"""This app's settings, each with a default, overridable in the Django settings.

| setting | default | meaning |
|---|---|---|
| ``KLYNGE_VAT_RATES`` | ``{"DK": 25, "NO": 25, "SE": 25}`` | VAT percent by the buyer's country; other countries pay 0 % (reverse charge or outside the VAT area) |
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

DEFAULT_VAT_RATES = {"DK": 25, "NO": 25, "SE": 25}


def vat_rates() -> dict[str, Decimal]:
    rates = getattr(settings, "KLYNGE_VAT_RATES", DEFAULT_VAT_RATES)
    return {country: Decimal(str(rate)) for country, rate in rates.items()}


def vat_rate_for(country: str) -> Decimal:
    return vat_rates().get(country, Decimal("0")).quantize(Decimal("0.01"))


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
