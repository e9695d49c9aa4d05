"""Every write of the insights app: figures, benchmarks, highlights, the cluster's own year and
the board links. Keyword-only, atomic, each recorded in the audit log."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.insights import validation
from klynge.insights.models import (
    BoardLink,
    ClusterYear,
    FigureRecord,
    FundingKind,
    FundingSource,
    Highlight,
    HighlightKind,
    OrganisationYear,
)

BOARD_LINK_MAX_DAYS = 366


def primary_division(organisation) -> str:
    """The organisation's NACE division: the lowest one among its NACE codes ('' if none)."""
    codes = organisation.nace_codes.filter(level__gte=2).aggregate(first=Min("code"))["first"]
    return codes[:2] if codes else ""


def clean_figures(
    *,
    organisation,
    year,
    values: dict,
    source: str,
    currency: str | None = None,
    nace_division: str | None = None,
) -> dict:
    """Checks a set of figures without writing; raises ValidationError with one message per
    field. Returns the cleaned year, values, currency, source and division."""
    errors: dict[str, str] = {}
    clean_year, message = validation.clean_year(year)
    if message:
        errors["year"] = message
    cleaned, value_errors = validation.clean_values(values, organisation=organisation)
    errors.update(value_errors)
    clean_currency, message = validation.clean_currency(
        currency, organisation=organisation, values=cleaned
    )
    if message:
        errors["currency"] = message
    clean_source, message = validation.clean_source(source)
    if message:
        errors["source"] = message
    division, message = validation.clean_division(nace_division)
    if message:
        errors["nace_division"] = message
    if not values and not errors:
        errors["values"] = _("Give at least one figure.")
    if errors:
        raise ValidationError(errors)
    return {
        "year": clean_year,
        "values": cleaned,
        "currency": clean_currency,
        "source": clean_source,
        "nace_division": division,
    }


def _apply(*, actor, organisation, cleaned: dict, source_note: str, now) -> tuple:
    """Writes cleaned figures: the current row and one history record per changed figure."""
    row, created = OrganisationYear.objects.select_for_update().get_or_create(
        organisation=organisation,
        year=cleaned["year"],
        defaults={
            "country": organisation.country,
            "nace_division": cleaned["nace_division"] or primary_division(organisation),
        },
    )
    changed: dict[str, object] = {}
    currency = cleaned["currency"]
    money_given = any(key in validation.MONEY_METRICS for key in cleaned["values"])
    if money_given and row.currency and currency and row.currency != currency:
        # Mixing currencies within one year's accounts would make the sums meaningless.
        existing_money = [
            m
            for m in validation.MONEY_METRICS
            if getattr(row, m) is not None and m not in cleaned["values"]
        ]
        if existing_money:
            raise ValidationError(
                {
                    "currency": _(
                        "The year's other amounts are in %(currency)s; give these in "
                        "%(currency)s too."
                    )
                    % {"currency": row.currency}
                }
            )
    for key, value in cleaned["values"].items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed[key] = value
    fields = list(changed)
    if money_given and currency and row.currency != currency:
        row.currency = currency
        fields.append("currency")
    if cleaned["nace_division"] and row.nace_division != cleaned["nace_division"]:
        row.nace_division = cleaned["nace_division"]
        fields.append("nace_division")
    if fields:
        row.save(update_fields=[*fields, "updated_at"])
    FigureRecord.objects.bulk_create(
        FigureRecord(
            organisation_year=row,
            metric=key,
            value=value,
            currency=row.currency if key in validation.MONEY_METRICS else "",
            source=cleaned["source"],
            source_note=source_note[:300],
            recorded_at=now,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for key, value in changed.items()
    )
    return row, created, changed


def record_figures(
    *,
    actor,
    organisation,
    year: int,
    values: dict[str, object],
    source: str,
    source_note: str = "",
    currency: str | None = None,
    nace_division: str | None = None,
) -> OrganisationYear:
    """Records an organisation's figures for a year (metric → value; None clears a figure).

    Changes the organisation's `OrganisationYear` row (creating it) and adds a `FigureRecord`
    with the source and time for each figure that changed; sends nothing. Raises
    ValidationError (one message per field) and writes nothing for impossible values, a year in
    the future, or a currency that is neither the cluster's nor the organisation's.
    """
    cleaned = clean_figures(
        organisation=organisation,
        year=year,
        values=values,
        source=source,
        currency=currency,
        nace_division=nace_division,
    )
    with transaction.atomic():
        row, created, changed = _apply(
            actor=actor,
            organisation=organisation,
            cleaned=cleaned,
            source_note=source_note,
            now=timezone.now(),
        )
        if changed or created:
            audit.record(
                actor=actor,
                action="insights.figures.record",
                target=row,
                data={
                    "year": row.year,
                    "source": cleaned["source"],
                    "changed": {key: str(value) for key, value in changed.items()},
                },
            )
    return row


# --- Highlights ------------------------------------------------------------------------------


def save_highlight(*, actor, highlight: Highlight | None = None, **fields) -> Highlight:
    """Creates or changes a highlight of the year in review."""
    highlight = highlight or Highlight(created_by=actor)
    for name, value in fields.items():
        setattr(highlight, name, value)
    errors = {}
    if highlight.kind not in HighlightKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(HighlightKind.values)
        }
    year, message = validation.clean_year(highlight.year)
    if message:
        errors["year"] = message
    if not (highlight.title_en or "").strip():
        errors["title_en"] = _("Give the title in English.")
    if errors:
        raise ValidationError(errors)
    highlight.year = year
    with transaction.atomic():
        created = highlight.pk is None
        highlight.save()
        audit.record(
            actor=actor,
            action="insights.highlight.create" if created else "insights.highlight.change",
            target=highlight,
            data={"year": highlight.year, "kind": highlight.kind},
        )
    return highlight


def delete_highlight(*, actor, highlight: Highlight) -> None:
    with transaction.atomic():
        audit.record(actor=actor, action="insights.highlight.delete", target=highlight)
        highlight.delete()


# --- The cluster organisation's own year -----------------------------------------------------


def save_cluster_year(
    *,
    actor,
    year: int,
    currency: str,
    budget: Decimal,
    staff_fte: Decimal,
    note: str = "",
    funding: list[dict],
) -> ClusterYear:
    """Records the cluster organisation's budget, staff and funding sources for a year
    (replacing the funding sources recorded before)."""
    errors = {}
    clean_year, message = validation.clean_year(year)
    if message:
        errors["year"] = message
    if budget is None or budget < 0:
        errors["budget"] = _("This amount cannot be negative.")
    if staff_fte is None or staff_fte < 0:
        errors["staff_fte"] = _("The number of employees cannot be negative.")
    for index, source in enumerate(funding):
        if source.get("kind") not in FundingKind.values:
            errors[f"funding-{index}-kind"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(FundingKind.values)
            }
        if source.get("amount") is None or source["amount"] < 0:
            errors[f"funding-{index}-amount"] = _("This amount cannot be negative.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cluster_year, _created = ClusterYear.objects.update_or_create(
            year=clean_year,
            defaults={"currency": currency, "budget": budget, "staff_fte": staff_fte, "note": note},
        )
        cluster_year.funding_sources.all().delete()
        FundingSource.objects.bulk_create(
            FundingSource(
                cluster_year=cluster_year,
                kind=source["kind"],
                name=source.get("name") or "",
                amount=source["amount"],
            )
            for source in funding
        )
        audit.record(
            actor=actor,
            action="insights.cluster_year.save",
            target=cluster_year,
            data={"budget": str(budget), "staff_fte": str(staff_fte), "sources": len(funding)},
        )
    return cluster_year


# --- Board links -----------------------------------------------------------------------------


def create_board_link(*, actor, label: str, days: int) -> tuple[BoardLink, str]:
    """A read-only link to the board view for `days` days; returns the link and its secret
    (shown once: only its digest is stored)."""
    errors = {}
    if not (label or "").strip():
        errors["label"] = _("Say who the link is for, e.g. “Board meeting March”.")
    if not isinstance(days, int) or not 1 <= days <= BOARD_LINK_MAX_DAYS:
        errors["days"] = _("A link lasts between 1 and %(max)s days.") % {
            "max": BOARD_LINK_MAX_DAYS
        }
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = BoardLink.objects.create(
            label=label.strip()[:200],
            digest=BoardLink.digest_of(secret),
            expires_at=timezone.now() + datetime.timedelta(days=days),
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="insights.board_link.create",
            target=link,
            data={"expires_at": link.expires_at.isoformat()},
        )
    return link, secret


def revoke_board_link(*, actor, link: BoardLink) -> None:
    with transaction.atomic():
        updated = BoardLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit.record(actor=actor, action="insights.board_link.revoke", target=link)


def board_link_for_secret(secret: str) -> BoardLink | None:
    """The valid link with this secret, marking it used; None when unknown, expired or revoked."""
    link = BoardLink.objects.filter(digest=BoardLink.digest_of(secret or "")).first()
    if link is None or not link.is_valid:
        return None
    BoardLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return link
