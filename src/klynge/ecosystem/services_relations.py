"""Writes to the typed relations between organisations. Each records itself in the audit log.

Who may call them is checked at the edge (`ecosystem.add_relation` on the source organisation,
`ecosystem.remove_relation` on the relation): staff, or the member admin of the source.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.ecosystem.models import Organisation, OrganisationRelation, RelationKind

EARLIEST_YEAR = 1800

# Kinds that read the same both ways: "A partner of B" is also "B partner of A".
SYMMETRIC_KINDS = frozenset({RelationKind.PARTNER})


def _duplicate_message(relation: OrganisationRelation) -> str:
    return _("This relation is already recorded: %(source)s · %(kind)s · %(target)s.") % {
        "source": relation.source.name,
        "kind": relation.get_kind_display(),
        "target": relation.target.name,
    }


def _check(source: Organisation, target: Organisation, kind: str, start_year: int | None):
    if kind not in RelationKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds of relation offered.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("An organisation cannot have a relation to itself.")})
    for organisation, field in ((source, "source"), (target, "target")):
        if organisation.merged_into_id is not None:
            raise ValidationError(
                {
                    field: _("%(name)s was merged into %(other)s; relate to %(other)s instead.")
                    % {"name": organisation.name, "other": organisation.merged_into.name}
                }
            )
    this_year = timezone.localdate().year
    if start_year is not None and not EARLIEST_YEAR <= start_year <= this_year:
        raise ValidationError(
            {
                "start_year": _("The year must be between %(first)s and %(last)s.")
                % {"first": EARLIEST_YEAR, "last": this_year}
            }
        )
    existing = OrganisationRelation.objects.filter(source=source, target=target, kind=kind)
    if kind in SYMMETRIC_KINDS:
        existing = existing | OrganisationRelation.objects.filter(
            source=target, target=source, kind=kind
        )
    duplicate = existing.select_related("source", "target").first()
    if duplicate is not None:
        raise ValidationError({"target": _duplicate_message(duplicate)})


@transaction.atomic
def add_relation(
    *,
    actor,
    source: Organisation,
    target: Organisation,
    kind: str,
    start_year: int | None = None,
    note: str = "",
) -> OrganisationRelation:
    """Records that `source` is <kind> `target` (e.g. a partner of, an investor in).

    Refuses a relation of an organisation to itself, a merged organisation, a year outside
    1800..this year and a relation already recorded (for partners, in either direction).
    """
    _check(source, target, kind, start_year)
    relation = OrganisationRelation(
        source=source, target=target, kind=kind, start_year=start_year, note=note.strip()
    )
    relation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError:
        # Someone recorded the same relation a moment ago.
        raise ValidationError({"target": _duplicate_message(relation)}) from None
    audit.record(
        actor=actor,
        action="ecosystem.relation.create",
        target=relation,
        data={
            "source": source.pk,
            "target": target.pk,
            "kind": kind,
            "start_year": start_year,
            "note": relation.note,
        },
    )
    return relation


@transaction.atomic
def remove_relation(*, actor, relation: OrganisationRelation) -> None:
    """Deletes the relation; the audit log keeps what it was."""
    audit.record(
        actor=actor,
        action="ecosystem.relation.delete",
        target=relation,
        data={
            "source": relation.source_id,
            "target": relation.target_id,
            "kind": relation.kind,
            "start_year": relation.start_year,
            "note": relation.note,
        },
    )
    relation.delete()
