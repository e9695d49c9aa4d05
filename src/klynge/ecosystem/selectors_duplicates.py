"""Reads for the duplicates pages: the stored pairs, the last scan, a record named by staff,
and what two records hold side by side."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from klynge.ecosystem.models import (
    Affiliation,
    DuplicateReason,
    DuplicateScan,
    DuplicateStatus,
    Organisation,
    OrganisationDuplicate,
    Person,
    PersonDuplicate,
)

_RANK = Case(
    When(reason=DuplicateReason.REGISTRY, then=Value(0)),
    When(reason=DuplicateReason.SAME_EMAIL, then=Value(0)),
    When(reason=DuplicateReason.SAME_NAME, then=Value(1)),
    When(reason=DuplicateReason.SIMILAR_NAME, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _current_ties(prefix: str) -> Prefetch:
    return Prefetch(
        f"{prefix}__affiliations",
        queryset=Affiliation.objects.current().select_related("organisation"),
        to_attr="current_affiliations",
    )


def stored_pairs(what: str, *, status: str = DuplicateStatus.OPEN, country: str = "") -> QuerySet:
    """The pairs of live records the scan (or staff) stored with this status, the surest first:
    a page of them costs the count, the page and, for people, their current organisations."""
    model = OrganisationDuplicate if what == "organisations" else PersonDuplicate
    pairs = (
        model.objects.filter(
            status=status, first__merged_into__isnull=True, second__merged_into__isnull=True
        )
        .select_related("first", "second", "decided_by")
        .alias(rank=_RANK)
        .order_by("rank", "-score", "first_id", "second_id")
    )
    if what == "organisations":
        if country:
            pairs = pairs.filter(first__country=country)
    else:
        pairs = pairs.filter(first__erased_at__isnull=True, second__erased_at__isnull=True)
        pairs = pairs.prefetch_related(_current_ties("first"), _current_ties("second"))
    return pairs


def pair_countries(*, status: str = DuplicateStatus.OPEN) -> list[str]:
    """The countries of the organisations in pairs with this status (one query)."""
    return list(
        OrganisationDuplicate.objects.filter(status=status, first__merged_into__isnull=True)
        .order_by("first__country")
        .values_list("first__country", flat=True)
        .distinct()
    )


def last_scan() -> DuplicateScan | None:
    return DuplicateScan.objects.order_by("-finished_at", "-id").first()


def get_pair(what: str, pk) -> OrganisationDuplicate | PersonDuplicate:
    model = OrganisationDuplicate if what == "organisations" else PersonDuplicate
    try:
        return get_object_or_404(model.objects.select_related("first", "second"), pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


_PAGE = re.compile(r"/(?:directory|people)/(?:people/)?(?P<key>[\w-]+)/?(?:[?#].*)?$")


def find_record(what: str, text: str) -> Organisation | Person:
    """The live organisation or person staff named: for organisations by short name, registry
    number, exact name (any case) or the address of its page; for people by e-mail address,
    number or the address of their page. Refuses a name that fits several."""
    text = text.strip()
    if match := _PAGE.search(text):
        text = match.group("key")
    if what == "organisations":
        live = Organisation.objects.filter(merged_into__isnull=True)
        for query in (Q(slug=text), Q(registry_number=text.replace(" ", "")), Q(name__iexact=text)):
            if not query.children[0][1]:
                continue
            found = list(live.filter(query)[:2])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ValidationError(
                    _("Several organisations fit “%(text)s”; use the short name.") % {"text": text}
                )
        raise ValidationError(_("No organisation fits “%(text)s”.") % {"text": text})
    live = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    found = None
    if text.isdigit():
        found = live.filter(pk=int(text)).first()
    elif "@" in text:
        found = live.filter(email__iexact=text).first()
    if found is None:
        raise ValidationError(_("No person fits “%(text)s”.") % {"text": text})
    return found


_ORGANISATION_FIELDS = (
    "name",
    "kind",
    "country",
    "registry_number",
    "membership_status",
    "street",
    "postal_code",
    "city",
    "municipality",
    "region",
    "website",
    "email",
    "phone",
    "employees",
    "founded_year",
    "description_en",
    "description_da",
    "created_at",
)
_PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "other_emails",
    "title",
    "phone",
    "languages",
    "listed_in_directory",
    "newsletter",
    "photos",
    "created_at",
)


def _display(record, field) -> str:
    value = getattr(record, field.attname)
    if field.choices and value not in (None, ""):
        return str(getattr(record, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        from django.utils.formats import date_format

        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def compare(what: str, first, second) -> dict:
    """The two records' fields side by side (`rows`: label, first, second, differ) and how many
    records of each kind point at each (`holdings`: label, first, second), which a merge moves
    to the one kept."""
    from klynge.ecosystem.merging import _reverse_relations

    model = type(first)
    names = _ORGANISATION_FIELDS if what == "organisations" else _PERSON_FIELDS
    rows = []
    for name in names:
        field = model._meta.get_field(name)
        a, b = _display(first, field), _display(second, field)
        rows.append({"label": str(field.verbose_name), "first": a, "second": b, "differ": a != b})
    if what == "people":
        login = model._meta.get_field("user")
        rows.append(
            {
                "label": str(login.verbose_name),
                "first": _("yes") if first.user_id else _("no"),
                "second": _("yes") if second.user_id else _("no"),
                "differ": bool(first.user_id) != bool(second.user_id),
            }
        )
    holdings = []
    ids = [first.pk, second.pk]
    for related, field_name, m2m in _reverse_relations(model):
        if related is model:
            continue
        counts = dict(
            related._base_manager.filter(**{f"{field_name}__in": ids})
            .order_by()
            .values_list(field_name)
            .annotate(n=Count("*"))
        )
        if counts:
            label = related._meta.verbose_name_plural if m2m is None else m2m.field.verbose_name
            holdings.append(
                {
                    "label": str(label),
                    "first": counts.get(first.pk, 0),
                    "second": counts.get(second.pk, 0),
                }
            )
    holdings.sort(key=lambda row: row["label"].lower())
    return {"rows": rows, "holdings": holdings}
