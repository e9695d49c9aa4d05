"""Every write to resources and bookings.

The guarantee: two bookings that hold their slot (pending, confirmed, offered) never overlap on
one resource, buffers included. `create_booking` checks inside a write transaction (SQLite
begins IMMEDIATE, so only one writer checks at a time) and, on PostgreSQL, the exclusion
constraint `bookings_booking_no_overlap` refuses the insert if a concurrent transaction got there
first; both end as `BookingRefused(reason="taken")`, which the API answers with 409.

Pending bookings (awaiting staff approval) hold their slot: otherwise approving one could collide
with a booking made meanwhile, and the person who asked first would lose it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.accounts.roles import Role, roles_for
from klynge.bookings import availability, feeds
from klynge.bookings.models import (
    HOLDING_STATUSES,
    OVERLAP_CONSTRAINT,
    AddOn,
    Audience,
    Booking,
    BookingSeries,
    BookingStatus,
    CalendarToken,
    Closure,
    OpeningHours,
    OverQuota,
    Resource,
    WaitlistEntry,
    WaitStatus,
)
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import AffiliationRole, MembershipStatus, Organisation
from klynge.membership.selectors import benefits_for

OFFER_VALID = datetime.timedelta(hours=4)
MAX_SERIES_WEEKS = 52
RESERVED_SLUGS = {"bookings", "offers", "feeds", "manage", "reports"}


class BookingRefused(ValidationError):
    """The slot cannot be booked; `reason` is a stable code for scripts (the API's 409)."""

    def __init__(self, reason: str, message: str):
        super().__init__({"__all__": [message]}, code=reason)
        self.reason = reason
        self.message_text = message


def _refuse(reason: str, message: str) -> BookingRefused:
    return BookingRefused(reason, message)


# --- Resources ------------------------------------------------------------------------------

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
    resource.save()
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


# --- Rules ----------------------------------------------------------------------------------


def member_organisations(user) -> list[Organisation]:
    """The member organisations the user books for (not as a student)."""
    return [
        a.organisation
        for a in roles_for(user).affiliations
        if a.organisation.membership_status == MembershipStatus.MEMBER
        and a.role != AffiliationRole.STUDENT
    ]


def may_supervise(user) -> bool:
    roles = roles_for(user)
    return roles.has(Role.STAFF) or roles.has(Role.MEMBER_EMPLOYEE)


def may_book(user, resource: Resource) -> bool:
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return True
    if resource.audience == Audience.STAFF:
        return False
    if roles.has(Role.MEMBER_EMPLOYEE):
        return True
    return resource.audience == Audience.STUDENTS and roles.has(Role.STUDENT)


def _organisation_for(user, supervisor, organisation) -> Organisation | None:
    """Whose included hours a booking uses. A member books for one of their member
    organisations (the first unless they chose); a student for their supervisor's; staff
    bookings (no member organisation) use no quota."""
    options = member_organisations(user)
    if not options and supervisor is not None:
        options = member_organisations(supervisor)
    if organisation is not None:
        if organisation not in options:
            raise ValidationError({"organisation": [_("You cannot book for this organisation.")]})
        return organisation
    return options[0] if options else None


def _format_local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _check_rules(resource: Resource, start, end, now) -> None:
    """Everything but overlap and quota; raises BookingRefused with a distinct reason."""
    if not resource.is_active:
        raise _refuse("unavailable", _("This resource cannot be booked at the moment."))
    minutes = (end - start).total_seconds() / 60
    if minutes < resource.min_minutes:
        raise _refuse(
            "too_short",
            _("A booking must last at least %(minutes)s minutes.")
            % {"minutes": resource.min_minutes},
        )
    if minutes > resource.max_minutes:
        raise _refuse(
            "too_long",
            _("A booking may last at most %(minutes)s minutes.")
            % {"minutes": resource.max_minutes},
        )
    step = resource.granularity_minutes
    local = timezone.localtime(start)
    if (
        (local.hour * 60 + local.minute) % step
        or local.second
        or local.microsecond
        or minutes % step
    ):
        raise _refuse(
            "off_grid",
            _("Bookings start and last in whole steps of %(minutes)s minutes.") % {"minutes": step},
        )
    if start < now + datetime.timedelta(minutes=resource.notice_minutes):
        if resource.notice_minutes:
            message = _(
                "It is too late to book this time: book at least %(minutes)s minutes ahead."
            ) % {"minutes": resource.notice_minutes}
        else:
            message = _("It is too late to book this time: it has already begun.")
        raise _refuse("too_late", message)
    if start > now + datetime.timedelta(days=resource.horizon_days):
        raise _refuse(
            "too_far_ahead",
            _("Bookings can be made at most %(days)s days ahead.")
            % {"days": resource.horizon_days},
        )
    closure = (
        Closure.objects.filter(resource=resource, start__lt=end, end__gt=start)
        .order_by("start")
        .first()
    )
    if closure is not None:
        if closure.reason:
            message = _("The resource is closed then: %(reason)s.") % {"reason": closure.reason}
        else:
            message = _("The resource is closed then.")
        raise _refuse("closed", message)
    hours = list(resource.opening_hours.all())
    if not availability.covers(availability.open_intervals(hours, start, end), start, end):
        raise _refuse("outside_hours", _("The resource is not open for all of this time."))


def _blocked(resource: Resource, start, end):
    return start - resource.buffer_before, end + resource.buffer_after


def _is_taken(resource: Resource, blocked_start, blocked_end, exclude: int | None = None) -> bool:
    return (
        Booking.objects.filter(
            resource=resource,
            status__in=HOLDING_STATUSES,
            blocked_start__lt=blocked_end,
            blocked_end__gt=blocked_start,
        )
        .exclude(pk=exclude)
        .exists()
    )


def _taken() -> BookingRefused:
    return _refuse("taken", _("This time is already booked."))


def counted_minutes(
    organisation: Organisation, month_start, month_end, exclude: int | None = None
) -> int:
    """Minutes of the organisation's bookings that count towards its included hours in the
    local month [month_start, month_end): held bookings and late cancellations, by start."""
    rows = (
        Booking.objects.filter(
            organisation=organisation,
            resource__counts_towards_quota=True,
            start__gte=month_start,
            start__lt=month_end,
        )
        .filter(status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED))
        .exclude(pk=exclude)
        .values_list("start", "end")
    )
    late = (
        Booking.objects.filter(
            organisation=organisation,
            resource__counts_towards_quota=True,
            start__gte=month_start,
            start__lt=month_end,
            status=BookingStatus.CANCELLED,
            late_cancellation=True,
        )
        .exclude(pk=exclude)
        .values_list("start", "end")
    )
    return sum(int((end - start).total_seconds() // 60) for start, end in [*rows, *late])


def _billable_minutes(resource: Resource, organisation, start, end, exclude=None) -> int:
    """0 within the included hours; refuses or returns the minutes past them."""
    if organisation is None or not resource.counts_towards_quota:
        return 0
    # One booking per organisation at a time decides on the quota (PostgreSQL; SQLite's
    # IMMEDIATE transaction already serialises writers).
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    month_start, month_end = availability.month_bounds(start)
    benefits = benefits_for(organisation, on=timezone.localtime(start).date())
    included = benefits.studio_hours_per_month * 60
    used = counted_minutes(organisation, month_start, month_end, exclude=exclude)
    minutes = int((end - start).total_seconds() // 60)
    past = used + minutes - included
    if past <= 0:
        return 0
    if resource.over_quota == OverQuota.BLOCK:
        month = formats.date_format(timezone.localtime(start), "YEAR_MONTH_FORMAT")
        raise _refuse(
            "over_quota",
            _("%(organisation)s has %(left)s of its %(hours)s included hours left in %(month)s.")
            % {
                "organisation": organisation.name,
                "left": max(0, included - used) / 60,
                "hours": benefits.studio_hours_per_month,
                "month": month,
            },
        )
    return min(minutes, past)


def _validate_period(start, end) -> tuple[datetime.datetime, datetime.datetime]:
    """Both aware and in order; returned in UTC so lengths are real elapsed time."""
    if start is None or end is None:
        raise ValidationError({"start": [_("Enter a start and an end.")]})
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": [_("Give the time with its time zone offset.")]})
    start, end = availability.utc(start), availability.utc(end)
    if end <= start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    return start, end


def _insert(booking: Booking) -> Booking:
    """Inserts in a savepoint; the exclusion constraint's refusal becomes 'taken'."""
    try:
        with transaction.atomic():
            booking.save(force_insert=True)
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise _taken() from None
        raise
    return booking


# --- Booking --------------------------------------------------------------------------------


def create_booking(
    *,
    actor,
    resource: Resource,
    user,
    start,
    end,
    add_ons: Iterable[AddOn] = (),
    note: str = "",
    supervisor=None,
    organisation: Organisation | None = None,
    series: BookingSeries | None = None,
    notify: bool = True,
    now=None,
    base_url: str = "",
) -> Booking:
    """Books `resource` for `user` from `start` to `end` (aware datetimes).

    Confirmed at once, or pending when the resource needs approval. Raises BookingRefused
    (taken, outside_hours, closed, too_short, too_long, off_grid, too_late, too_far_ahead,
    over_quota, unavailable) or ValidationError for malformed input. Sends the confirmation
    (with a link to the .ics) after commit.
    """
    start, end = _validate_period(start, end)
    now = availability.utc(now or timezone.now())
    if not may_book(user, resource):
        raise _refuse("not_allowed", _("You may not book this resource."))
    is_student_only = not member_organisations(user) and not roles_for(user).has(Role.STAFF)
    if is_student_only:
        if supervisor is None:
            raise ValidationError(
                {"supervisor": [_("Students book with a supervisor: choose one.")]}
            )
        if not may_supervise(supervisor) or supervisor == user:
            raise ValidationError(
                {"supervisor": [_("The supervisor must be cluster staff or work for a member.")]}
            )
    else:
        supervisor = None
    add_ons = list(add_ons)
    if any(a.resource_id != resource.pk for a in add_ons):
        raise ValidationError({"add_ons": [_("Choose add-ons of this resource.")]})
    with transaction.atomic():
        # Offers nobody took in time free their slot first (a cheap indexed check; the
        # release and the next offer only when there is one).
        if Booking.objects.filter(
            resource=resource, status=BookingStatus.OFFERED, offer_expires_at__lte=now
        ).exists():
            expire_offers(now=now, resource=resource, base_url=base_url)
        org = _organisation_for(user, supervisor, organisation)
        _check_rules(resource, start, end, now)
        blocked_start, blocked_end = _blocked(resource, start, end)
        if _is_taken(resource, blocked_start, blocked_end):
            raise _taken()
        billable = _billable_minutes(resource, org, start, end)
        booking = _insert(
            Booking(
                resource=resource,
                user=user,
                organisation=org,
                supervisor=supervisor,
                start=start,
                end=end,
                blocked_start=blocked_start,
                blocked_end=blocked_end,
                status=BookingStatus.PENDING
                if resource.requires_approval
                else BookingStatus.CONFIRMED,
                series=series,
                note=note.strip()[:300],
                billable_minutes=billable,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
        if add_ons:
            booking.add_ons.set(add_ons)
        audit.record(
            actor=actor,
            action="bookings.booking.create",
            target=booking,
            data={"start": start.isoformat(), "end": end.isoformat(), "status": booking.status},
        )
    # Rendered after the write transaction (SQLite's write lock is not held for templates);
    # queue_email still sends only once an enclosing transaction (a series) commits.
    if notify:
        _notify(
            booking,
            "confirmation" if booking.status == BookingStatus.CONFIRMED else "pending",
            base_url,
        )
    if supervisor is not None and supervisor.email:
        queue_email(
            to=supervisor.email,
            template="bookings/emails/supervisor",
            context={"booking": booking, **_mail_context(booking, base_url)},
        )
    return booking


@dataclass
class Occurrence:
    start: datetime.datetime
    end: datetime.datetime
    booking: Booking | None = None
    reason: str = ""
    message: str = ""


def create_series(
    *,
    actor,
    resource: Resource,
    user,
    start,
    end,
    weeks: int,
    now=None,
    base_url: str = "",
    **kwargs,
) -> tuple[BookingSeries | None, list[Occurrence]]:
    """Books the same wall-clock time weekly for `weeks` weeks. Each occurrence is booked or
    refused on its own; the result says which and why. One summary e-mail."""
    start, end = _validate_period(start, end)
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ValidationError(
            {"weeks": [_("Repeat for 1 to %(max)s weeks.") % {"max": MAX_SERIES_WEEKS}]}
        )
    length = end - start
    occurrences = []
    with transaction.atomic():
        series = BookingSeries.objects.create(
            created_by=actor if getattr(actor, "is_authenticated", False) else None, weeks=weeks
        )
        for week in range(weeks):
            occurrence_start = availability.add_local_weeks(start, week)
            occurrence = Occurrence(
                start=occurrence_start, end=availability.utc(occurrence_start) + length
            )
            try:
                occurrence.booking = create_booking(
                    actor=actor,
                    resource=resource,
                    user=user,
                    start=occurrence.start,
                    end=occurrence.end,
                    series=series,
                    notify=False,
                    now=now,
                    **kwargs,
                )
            except BookingRefused as refused:
                occurrence.reason, occurrence.message = refused.reason, refused.message_text
            occurrences.append(occurrence)
        booked = [o for o in occurrences if o.booking is not None]
        if not booked:
            series.delete()
            series = None
        elif user.email:
            queue_email(
                to=user.email,
                template="bookings/emails/series",
                context={"resource": resource, "occurrences": occurrences, "user": user},
            )
    return series, occurrences


def _editable(actor, booking: Booking, now) -> bool:
    deadline = booking.start - datetime.timedelta(hours=booking.resource.free_cancellation_hours)
    return now < deadline or roles_for(actor).has(Role.STAFF)


@transaction.atomic
def change_booking(*, actor, booking: Booking, start, end, now=None, base_url: str = "") -> Booking:
    """Moves a booking (free until the cancellation deadline; staff at any time). The new time
    passes the same rules; the old one is offered to the waiting list."""
    start, end = _validate_period(start, end)
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise ValidationError({"__all__": [_("Only a current booking can be changed.")]})
    if not _editable(actor, booking, now):
        raise _refuse(
            "too_late",
            _("Changes are free until %(hours)s hours before the start; cancel instead.")
            % {"hours": booking.resource.free_cancellation_hours},
        )
    resource = booking.resource
    _check_rules(resource, start, end, now)
    blocked_start, blocked_end = _blocked(resource, start, end)
    if _is_taken(resource, blocked_start, blocked_end, exclude=booking.pk):
        raise _taken()
    old = (booking.blocked_start, booking.blocked_end)
    booking.billable_minutes = _billable_minutes(
        resource, booking.organisation, start, end, exclude=booking.pk
    )
    booking.start, booking.end = start, end
    booking.blocked_start, booking.blocked_end = blocked_start, blocked_end
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise _taken() from None
        raise
    audit.record(
        actor=actor,
        action="bookings.booking.change",
        target=booking,
        data={"start": start.isoformat(), "end": end.isoformat()},
    )
    _notify(booking, "changed", base_url)
    _offer_freed(resource, *old, now=now, base_url=base_url)
    return booking


@transaction.atomic
def cancel_booking(*, actor, booking: Booking, now=None, base_url: str = "") -> Booking:
    """Cancels; free until `free_cancellation_hours` before the start, a late cancellation
    after that (its hours still count towards the quota). Frees the slot for the waiting list."""
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status not in HOLDING_STATUSES:
        raise ValidationError({"__all__": [_("This booking is not current.")]})
    if booking.status == BookingStatus.OFFERED:
        return decline_offer(actor=actor, booking=booking, now=now, base_url=base_url)
    deadline = booking.start - datetime.timedelta(hours=booking.resource.free_cancellation_hours)
    booking.late_cancellation = booking.status == BookingStatus.CONFIRMED and now >= deadline
    if not booking.late_cancellation:
        booking.billable_minutes = 0
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "late_cancellation",
            "billable_minutes",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        action="bookings.booking.cancel",
        target=booking,
        data={"late": booking.late_cancellation},
    )
    _notify(booking, "cancelled", base_url)
    if booking.end > now:
        _offer_freed(
            booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
        )
    return booking


@transaction.atomic
def decide_booking(
    *, actor, booking: Booking, approve: bool, now=None, base_url: str = ""
) -> Booking:
    """Staff approve (confirmed) or reject a pending booking; a rejection frees the slot."""
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"__all__": [_("This booking is not awaiting approval.")]})
    booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
    booking.decided_by = actor
    if not approve:
        booking.billable_minutes = 0
    booking.save(update_fields=["status", "decided_by", "billable_minutes", "updated_at"])
    audit.record(
        actor=actor,
        action="bookings.booking.approve" if approve else "bookings.booking.reject",
        target=booking,
    )
    _notify(booking, "approved" if approve else "rejected", base_url)
    if not approve:
        _offer_freed(
            booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
        )
    return booking


@transaction.atomic
def check_in(*, actor, booking: Booking, now=None) -> Booking:
    now = availability.utc(now or timezone.now())
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationError({"__all__": [_("Only a confirmed booking can be checked in.")]})
    if timezone.localtime(booking.start).date() > timezone.localtime(now).date():
        raise ValidationError({"__all__": [_("Check-in opens on the day of the booking.")]})
    booking.checked_in_at, booking.no_show = now, False
    booking.save(update_fields=["checked_in_at", "no_show", "updated_at"])
    audit.record(actor=actor, action="bookings.booking.check_in", target=booking)
    return booking


@transaction.atomic
def mark_no_show(*, actor, booking: Booking, now=None) -> Booking:
    now = availability.utc(now or timezone.now())
    if booking.status != BookingStatus.CONFIRMED or booking.start > now:
        raise ValidationError(
            {"__all__": [_("A no-show can be marked once a confirmed booking has begun.")]}
        )
    booking.no_show, booking.checked_in_at = True, None
    booking.save(update_fields=["no_show", "checked_in_at", "updated_at"])
    audit.record(actor=actor, action="bookings.booking.no_show", target=booking)
    return booking


# --- Waiting list ---------------------------------------------------------------------------


@transaction.atomic
def join_waitlist(*, actor, resource: Resource, user, start, end, now=None) -> WaitlistEntry:
    """Puts the user on the waiting list for a taken slot (they are offered it when it frees)."""
    start, end = _validate_period(start, end)
    now = availability.utc(now or timezone.now())
    if not may_book(user, resource):
        raise _refuse("not_allowed", _("You may not book this resource."))
    if start <= now:
        raise _refuse("too_late", _("It is too late to book this time: it has already begun."))
    if not _is_taken(resource, *_blocked(resource, start, end)):
        raise ValidationError({"__all__": [_("This time is free: book it instead.")]})
    if WaitlistEntry.objects.filter(
        resource=resource, user=user, start=start, end=end, status=WaitStatus.WAITING
    ).exists():
        raise ValidationError(
            {"__all__": [_("You are already on the waiting list for this time.")]}
        )
    entry = WaitlistEntry.objects.create(resource=resource, user=user, start=start, end=end)
    audit.record(
        actor=actor,
        action="bookings.waitlist.join",
        target=resource,
        data={"start": start.isoformat(), "end": end.isoformat(), "user": user.pk},
    )
    return entry


@transaction.atomic
def leave_waitlist(*, actor, entry: WaitlistEntry) -> None:
    if entry.status == WaitStatus.WAITING:
        entry.status = WaitStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        audit.record(actor=actor, action="bookings.waitlist.leave", target=entry.resource)


def _offer_freed(
    resource: Resource, freed_start, freed_end, *, now, base_url: str = ""
) -> list[WaitlistEntry]:
    """Offers the freed period to the waiting list, first come first served: each entry whose
    slot is now free gets it held (status 'offered') until it accepts or the offer expires."""
    offered = []
    entries = WaitlistEntry.objects.filter(
        resource=resource,
        status=WaitStatus.WAITING,
        start__lt=freed_end + resource.buffer_before,
        end__gt=freed_start - resource.buffer_after,
        start__gt=now,
    ).select_related("user")
    for entry in entries:
        blocked_start, blocked_end = _blocked(resource, entry.start, entry.end)
        if _is_taken(resource, blocked_start, blocked_end):
            continue
        try:
            hold = _insert(
                Booking(
                    resource=resource,
                    user=entry.user,
                    start=entry.start,
                    end=entry.end,
                    blocked_start=blocked_start,
                    blocked_end=blocked_end,
                    status=BookingStatus.OFFERED,
                    offer_expires_at=min(now + OFFER_VALID, entry.start),
                )
            )
        except BookingRefused:
            continue
        entry.status, entry.booking = WaitStatus.OFFERED, hold
        entry.save(update_fields=["status", "booking"])
        audit.record(
            actor=None, action="bookings.waitlist.offer", target=hold, data={"user": entry.user_id}
        )
        if entry.user.email:
            queue_email(
                to=entry.user.email,
                template="bookings/emails/offer",
                context={
                    "booking": hold,
                    "entry": entry,
                    "offer_url": base_url + reverse("bookings:offer", args=[entry.token]),
                    **_mail_context(hold, base_url),
                },
            )
        offered.append(entry)
    return offered


@transaction.atomic
def accept_offer(
    *, actor, entry: WaitlistEntry, organisation=None, supervisor=None, now=None, base_url: str = ""
) -> Booking:
    """Turns a held offer into a booking (confirmed, or pending approval) after the usual rules
    (hours, quota); raises BookingRefused when they fail and leaves the hold until it expires."""
    now = availability.utc(now or timezone.now())
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("booking__resource")
        .get(pk=entry.pk)
    )
    booking = entry.booking
    if (
        entry.status != WaitStatus.OFFERED
        or booking is None
        or booking.status != BookingStatus.OFFERED
    ):
        raise ValidationError({"__all__": [_("This offer is no longer open.")]})
    if booking.offer_expires_at and booking.offer_expires_at <= now:
        expire_offers(now=now, resource=booking.resource, base_url=base_url)
        raise ValidationError({"__all__": [_("This offer has expired.")]})
    resource = booking.resource
    _check_rules(resource, booking.start, booking.end, now)
    org = _organisation_for(booking.user, supervisor, organisation)
    booking.billable_minutes = _billable_minutes(
        resource, org, booking.start, booking.end, exclude=booking.pk
    )
    booking.organisation = org
    booking.status = (
        BookingStatus.PENDING if resource.requires_approval else BookingStatus.CONFIRMED
    )
    booking.offer_expires_at = None
    booking.created_by = actor
    booking.save()
    entry.status = WaitStatus.BOOKED
    entry.save(update_fields=["status"])
    audit.record(actor=actor, action="bookings.waitlist.accept", target=booking)
    _notify(
        booking,
        "confirmation" if booking.status == BookingStatus.CONFIRMED else "pending",
        base_url,
    )
    return booking


@transaction.atomic
def decline_offer(*, actor, booking: Booking, now=None, base_url: str = "") -> Booking:
    now = availability.utc(now or timezone.now())
    booking.status = BookingStatus.EXPIRED
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "offer_expires_at", "updated_at"])
    WaitlistEntry.objects.filter(booking=booking, status=WaitStatus.OFFERED).update(
        status=WaitStatus.WITHDRAWN
    )
    audit.record(actor=actor, action="bookings.waitlist.decline", target=booking)
    _offer_freed(
        booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
    )
    return booking


@transaction.atomic
def expire_offers(*, now=None, resource: Resource | None = None, base_url: str = "") -> int:
    """Releases offers nobody accepted in time and offers the slot to the next in line. Runs
    inside every booking on the resource, and for all resources from `klynge expire_booking_offers`."""
    now = availability.utc(now or timezone.now())
    stale = Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now)
    if resource is not None:
        stale = stale.filter(resource=resource)
    stale = list(stale.select_related("resource"))
    for booking in stale:
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "updated_at"])
        WaitlistEntry.objects.filter(booking=booking, status=WaitStatus.OFFERED).update(
            status=WaitStatus.EXPIRED
        )
        audit.record(actor=None, action="bookings.waitlist.expire", target=booking)
        if booking.end > now:
            _offer_freed(
                booking.resource,
                booking.blocked_start,
                booking.blocked_end,
                now=now,
                base_url=base_url,
            )
    return len(stale)


# --- Billing and feeds ----------------------------------------------------------------------


@transaction.atomic
def bill_overage(*, actor, organisation: Organisation, year: int, month: int):
    """A draft invoice (the staff issue it) for the organisation's unbilled hours past its
    included hours in the month, one line per resource at its hourly rate; None if nothing."""
    from klynge.membership.invoicing import create_invoice

    month_start = availability.local_midnight(datetime.date(year, month, 1))
    month_end, _unused = availability.month_bounds(month_start + datetime.timedelta(days=32))
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(
            organisation=organisation,
            start__gte=month_start,
            start__lt=month_end,
            billable_minutes__gt=0,
            invoice__isnull=True,
        )
        .filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.CANCELLED))
        .select_related("resource")
    )
    bookings = [b for b in bookings if b.status == BookingStatus.CONFIRMED or b.late_cancellation]
    if not bookings:
        return None
    per_resource: dict[Resource, int] = defaultdict(int)
    for booking in bookings:
        per_resource[booking.resource] += booking.billable_minutes
    label = formats.date_format(timezone.localtime(month_start), "YEAR_MONTH_FORMAT")
    lines = [
        (
            _("%(resource)s: hours past the included hours, %(month)s")
            % {"resource": resource.name, "month": label},
            Decimal(minutes) / 60,
            resource.hourly_rate,
        )
        for resource, minutes in sorted(per_resource.items(), key=lambda item: item[0].name)
    ]
    invoice = create_invoice(actor=actor, organisation=organisation, lines=lines)
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(invoice=invoice)
    audit.record(
        actor=actor,
        action="bookings.overage.bill",
        target=invoice,
        data={"bookings": len(bookings)},
    )
    return invoice


@transaction.atomic
def calendar_token_for(*, user, renew: bool = False) -> CalendarToken:
    token, created = CalendarToken.objects.get_or_create(user=user)
    if renew and not created:
        token.delete()
        token = CalendarToken.objects.create(user=user)
        audit.record(actor=user, action="bookings.calendar_token.renew", target=None)
    return token


# --- E-mail ---------------------------------------------------------------------------------


def _mail_context(booking: Booking, base: str) -> dict:
    return {
        "booking_url": base + reverse("bookings:booking", args=[booking.pk]),
        "ics_url": base + reverse("bookings:booking_ics", args=[booking.pk]),
    }


def _notify(booking: Booking, kind: str, base_url: str) -> None:
    """E-mails the booking's person; a booking they hold comes with its .ics attached."""
    if not booking.user.email:
        return
    attachments = ()
    if kind in ("confirmation", "approved", "changed", "pending"):
        ics = feeds.calendar_for([booking], name=booking.resource.name).decode()
        attachments = ((f"booking-{booking.pk}.ics", ics, "text/calendar"),)
    queue_email(
        to=booking.user.email,
        template=f"bookings/emails/{kind}",
        context={
            "booking": booking,
            "resource": booking.resource,
            **_mail_context(booking, base_url),
        },
        attachments=attachments,
    )
