"""Resources: creating and changing them, opening hours, closures, photos and add-ons."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.bookings.models import AddOn, Closure, OpeningHours, Resource, ResourcePhoto
from klynge.bookings.validators import validate_photo
from klynge.core import audit

# Taken by the app's own pages under /studios/ and /studios/manage/.
RESERVED_SLUGS = {"bookings", "offers", "feeds", "manage", "reports", "add-ons", "new"}


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


MAX_PHOTOS = 12


@transaction.atomic
def add_photo(*, actor, resource: Resource, image, alt_text: str) -> ResourcePhoto:
    """Adds a photo at the end of the resource's photos. The file must be a PNG, JPEG or WebP
    image of at most 8 MB and 8000 × 8000 pixels; the description says what it shows."""
    errors: dict[str, list[str]] = {}
    alt_text = (alt_text or "").strip()
    if not alt_text:
        errors["alt_text"] = [_("Describe the photo for people who cannot see it.")]
    elif len(alt_text) > 200:
        errors["alt_text"] = [_("Ensure this value has at most %(max)s characters.") % {"max": 200}]
    if image is None:
        errors["image"] = [_("Choose a photo.")]
    else:
        try:
            validate_photo(image)
        except ValidationError as error:
            errors["image"] = error.messages
    # Locks the resource row (PostgreSQL), so two uploads at once get distinct positions.
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    count = resource.photos.count()
    if count >= MAX_PHOTOS:
        errors.setdefault("image", []).append(
            _("A resource has at most %(max)s photos: remove one first.") % {"max": MAX_PHOTOS}
        )
    if errors:
        raise ValidationError(errors)
    last = resource.photos.order_by("-position").values_list("position", flat=True).first()
    photo = ResourcePhoto(
        resource=resource, alt_text=alt_text, position=0 if last is None else last + 1
    )
    photo.image.save(image.name, image, save=False)
    photo.save()
    audit.record(
        actor=actor,
        action="bookings.photo.add",
        target=resource,
        data={"photo": photo.pk, "alt_text": alt_text},
    )
    return photo


@transaction.atomic
def update_photo(*, actor, photo: ResourcePhoto, alt_text: str) -> ResourcePhoto:
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError({"alt_text": [_("Describe the photo for people who cannot see it.")]})
    if alt_text != photo.alt_text:
        photo.alt_text = alt_text[:200]
        photo.save(update_fields=["alt_text"])
        audit.record(
            actor=actor,
            action="bookings.photo.update",
            target=photo.resource,
            data={"photo": photo.pk, "alt_text": photo.alt_text},
        )
    return photo


@transaction.atomic
def move_photo(*, actor, photo: ResourcePhoto, step: int) -> list[ResourcePhoto]:
    """Moves a photo one place earlier (step -1) or later (+1); the first is shown first.
    Returns the photos in their new order."""
    photos = list(ResourcePhoto.objects.select_for_update().filter(resource_id=photo.resource_id))
    index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(photos):
        photos[index], photos[target] = photos[target], photos[index]
    for position, item in enumerate(photos):
        item.position = position
    ResourcePhoto.objects.bulk_update(photos, ["position"])
    audit.record(
        actor=actor,
        action="bookings.photo.move",
        target=photo.resource,
        data={"order": [p.pk for p in photos]},
    )
    return photos


@transaction.atomic
def remove_photo(*, actor, photo: ResourcePhoto) -> None:
    """Removes the photo and its file (after the transaction commits)."""
    resource = photo.resource
    audit.record(
        actor=actor,
        action="bookings.photo.remove",
        target=resource,
        data={"photo": photo.pk, "alt_text": photo.alt_text},
    )
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _validate_add_on(name: str, price) -> tuple[str, Decimal]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    try:
        price = Decimal(str(price if price is not None else 0))
    except ArithmeticError:
        price = None
    if price is None or not price.is_finite() or price < 0 or price >= Decimal("1e8"):
        errors["price"] = [_("Enter a price of 0 or more.")]
    if errors:
        raise ValidationError(errors)
    return name, price


@transaction.atomic
def add_add_on(
    *,
    actor,
    resource: Resource | None = None,
    name: str,
    price: Decimal = Decimal(0),
    exclusive: bool = False,
    resources: Iterable[Resource] = (),
) -> AddOn:
    """Creates an add-on offered with `resource` (and `resources`). An exclusive one (a
    technician, a single kit) serves one booking at a time across all its resources."""
    name, price = _validate_add_on(name, price)
    add_on = AddOn.objects.create(name=name, price=price, exclusive=exclusive)
    offered = [*([resource] if resource is not None else []), *resources]
    add_on.resources.set(offered)
    audit.record(
        actor=actor,
        action="bookings.addon.create",
        target=add_on,
        data={
            "add_on": add_on.pk,
            "name": name,
            "price": str(price),
            "exclusive": exclusive,
            "resources": sorted(r.pk for r in offered),
        },
    )
    return add_on


@transaction.atomic
def update_add_on(
    *,
    actor,
    add_on: AddOn,
    name: str,
    price,
    exclusive: bool,
    resources: Iterable[Resource],
    is_active: bool = True,
) -> AddOn:
    """Changes an add-on (and offers it again if it was withdrawn, unless `is_active` is
    False). A new price applies to bookings made from now on (a booking keeps the price it was
    made at); bookings already holding it keep it if it becomes exclusive."""
    name, price = _validate_add_on(name, price)
    add_on.name, add_on.price, add_on.exclusive = name, price, exclusive
    add_on.is_active = is_active
    add_on.save()
    add_on.resources.set(list(resources))
    audit.record(
        actor=actor,
        action="bookings.addon.update",
        target=add_on,
        data={
            "add_on": add_on.pk,
            "name": name,
            "price": str(price),
            "exclusive": exclusive,
            "resources": sorted(r.pk for r in add_on.resources.all()),
        },
    )
    return add_on


@transaction.atomic
def withdraw_add_on(*, actor, add_on: AddOn, resource: Resource | None = None) -> AddOn:
    """Stops offering an add-on with `resource`, or with every resource (None). Bookings that
    already have it keep it (and are billed for it); staff remove it from a booking there."""
    if resource is not None:
        add_on.resources.remove(resource)
    else:
        add_on.is_active = False
        add_on.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="bookings.addon.withdraw",
        target=resource or add_on,
        data={"add_on": add_on.pk, "name": add_on.name},
    )
    return add_on
