"""Resources: creating and changing them, opening hours, closures and add-ons."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.bookings.models import AddOn, Closure, OpeningHours, Resource
from klynge.core import audit

RESERVED_SLUGS = {"bookings", "offers", "feeds", "manage", "reports"}


RESOURCE_FIELDS = (
    "name",
    "kind",
    "location",
    "capacity",
    "description",
    "included",
    "granularity_minutes",
    "min_minutes",
    "max_minutes",
    "horizon_days",
    "notice_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "requires_approval",
    "audience",
    "counts_towards_quota",
    "over_quota",
    "hourly_rate",
    "free_cancellation_hours",
    "is_active",
)


def _validate_resource(resource: Resource) -> None:
    errors: dict[str, list[str]] = {}
    if not resource.name.strip():
        errors["name"] = [_("This field is required.")]
    if resource.granularity_minutes < 5 or 1440 % resource.granularity_minutes:
        errors["granularity_minutes"] = [
            _("Choose a step of at least 5 minutes that divides a day, e.g. 15, 30 or 60.")
        ]
    if resource.min_minutes <= 0 or resource.max_minutes < resource.min_minutes:
        errors["max_minutes"] = [_("The longest booking must be at least the shortest.")]
    if resource.horizon_days < 1:
        errors["horizon_days"] = [_("Allow booking at least one day ahead.")]
    if errors:
        raise ValidationError(errors)


def _unique_slug(name: str, exclude: int | None = None) -> str:
    base = slugify(name)[:100] or "resource"
    slug, n = base, 2
    # Taken by the app's own pages under /studios/.
    while slug in RESERVED_SLUGS or Resource.objects.filter(slug=slug).exclude(pk=exclude).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_resource(*, actor, name: str, kind: str, **fields) -> Resource:
    """Creates a resource, open 00:00–24:00 every day until opening hours are set."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %s") % ", ".join(sorted(unknown))]})
    fields = {k: v for k, v in fields.items() if v is not None}
    resource = Resource(name=name.strip(), kind=kind, slug=_unique_slug(name), **fields)
    _validate_resource(resource)
    if "min_minutes" not in fields:
        resource.min_minutes = resource.granularity_minutes
    for attempt in range(5):
        try:
            with transaction.atomic():  # a savepoint: a lost race on the slug can be retried
                resource.save()
            break
        except IntegrityError:
            if attempt == 4 or not Resource.objects.filter(slug=resource.slug).exists():
                raise
            resource.pk = None
            resource.slug = _unique_slug(name)  # another request took it meanwhile
    audit.record(
        actor=actor, action="bookings.resource.create", target=resource, data={"name": name}
    )
    return resource


@transaction.atomic
def update_resource(*, actor, resource: Resource, **fields) -> Resource:
    changed = {}
    for name, value in fields.items():
        if name not in RESOURCE_FIELDS:
            continue
        if getattr(resource, name) != value:
            changed[name] = str(value)
            setattr(resource, name, value)
    _validate_resource(resource)
    if changed:
        resource.save()
        audit.record(actor=actor, action="bookings.resource.update", target=resource, data=changed)
    return resource


@transaction.atomic
def set_opening_hours(
    *, actor, resource: Resource, periods: Iterable[tuple[int, int, int]]
) -> list[OpeningHours]:
    """Replaces the weekly hours with `periods` of (weekday, opens_minute, closes_minute);
    an empty list means open around the clock."""
    rows = []
    for weekday, opens, closes in periods:
        if not (0 <= weekday <= 6 and 0 <= opens < closes <= 1440):
            raise ValidationError({"opening_hours": [_("Each period must open before it closes.")]})
        rows.append(
            OpeningHours(
                resource=resource, weekday=weekday, opens_minute=opens, closes_minute=closes
            )
        )
    resource.opening_hours.all().delete()
    OpeningHours.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="bookings.resource.hours",
        target=resource,
        data={"periods": [[r.weekday, r.opens_minute, r.closes_minute] for r in rows]},
    )
    return rows


@transaction.atomic
def add_closure(*, actor, resource: Resource, start, end, reason: str = "") -> Closure:
    """Closes the resource for a period. Bookings already made in it stay: staff see them in
    the approval and check-in lists and decide; new ones are refused as 'closed'."""
    if start is None or end is None or start >= end:
        raise ValidationError({"end": [_("The closure must end after it starts.")]})
    closure = Closure.objects.create(resource=resource, start=start, end=end, reason=reason.strip())
    audit.record(
        actor=actor,
        action="bookings.closure.create",
        target=resource,
        data={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
    )
    return closure


@transaction.atomic
def remove_closure(*, actor, closure: Closure) -> None:
    audit.record(
        actor=actor,
        action="bookings.closure.delete",
        target=closure.resource,
        data={"id": closure.pk},
    )
    closure.delete()


@transaction.atomic
def add_add_on(*, actor, resource: Resource, name: str, price: Decimal = Decimal(0)) -> AddOn:
    if not name.strip():
        raise ValidationError({"name": [_("This field is required.")]})
    add_on = AddOn.objects.create(resource=resource, name=name.strip(), price=price)
    audit.record(actor=actor, action="bookings.addon.create", target=resource, data={"name": name})
    return add_on
