"""Writes to events and registrations.

Seats: each event (and ticket type) keeps a counter of the seats taken, `seats_taken`, changed
only here. A free registration writes its row, queued e-mail and audit entry first and takes
its seat last, with one conditional `UPDATE ... SET seats_taken = seats_taken + 1 WHERE
seats_taken < capacity` (`_take_seat`): on PostgreSQL the event's row is locked only from that
statement to the commit; on SQLite `atomic()` takes the database's write lock
(transaction_mode IMMEDIATE). When the UPDATE finds no seat, all of it is rolled back and the
decision made again with the row locked (SELECT ... FOR UPDATE), so a seat freed in the
meantime is never left unsold while someone is waitlisted or refused. A check
constraint (`seats_taken <= capacity`) lets the database refuse fewer seats than are taken.
E-mails are queued after commit: a rolled-back registration sends nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.accounts.roles import Role, is_staff_user, roles_for
from klynge.core import audit
from klynge.core.emails import enqueue_on_commit, send_email_now
from klynge.core.prepared import Prepared, PreparedInsert, PreparedUpdate
from klynge.ecosystem.models import (
    Affiliation,
    AffiliationRole,
    MembershipStatus,
    Organisation,
    Person,
)
from klynge.events import calendar
from klynge.events.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CalendarToken,
    CategoryKind,
    Event,
    EventFormat,
    EventStatus,
    Feedback,
    Invitation,
    Notification,
    NotificationKind,
    Question,
    QuestionKind,
    Recording,
    RecordingAccess,
    Registration,
    RegistrationStatus,
    Reminder,
    TicketCategory,
    Visibility,
)
from klynge.events.selectors import event_recordings, member_person_ids
from klynge.events.signals import registration_checked_in

# Paths that the event URLs use, so no event may take them as its short name.
RESERVED_SLUGS = {
    "mine", "manage", "new", "feed", "registrations", "recordings", "feedback", "calendar",
    "partners", "invitations",
}  # fmt: skip
EVENT_FIELDS = {
    "title", "title_da", "title_en", "kind", "format", "visibility", "starts_at", "ends_at",
    "time_zone", "venue", "address", "online_url", "summary", "description_da",
    "description_en", "organiser", "pillars", "capacity", "waitlist",
    "requires_approval", "registration_opens_at", "registration_closes_at", "offer_hours",
    "free_cancellation_days", "stream_opens_minutes", "send_follow_up",
}  # fmt: skip


class RegistrationRefused(ValidationError):
    """The registration cannot be made as asked (the API answers 409 with the reason).

    `reason` is "full" or "already_registered".
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message, code=reason)
        self.reason = reason


# --- Events ---------------------------------------------------------------------------------


def _unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = (slugify(title) or "event")[:100]
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Event.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(event: Event, fields: dict) -> None:
    unknown = set(fields) - EVENT_FIELDS - {"slug", "status", "co_organisers", "sdgs"}
    if unknown:
        raise ValueError(f"Unknown event fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name not in ("co_organisers", "sdgs"):
            setattr(event, name, value)
    if not event.title:
        event.title = event.title_en or event.title_da
    if event.slug in RESERVED_SLUGS:
        raise ValidationError({"slug": [_("This short name is reserved; choose another.")]})
    errors = {}
    if event.ends_at and event.starts_at and event.ends_at < event.starts_at:
        errors["ends_at"] = [_("The event cannot end before it starts.")]
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes < opens:
        errors["registration_closes_at"] = [_("Registration cannot close before it opens.")]
    if event.capacity is not None and event.capacity < event.seats_taken:
        errors["capacity"] = [_too_few_seats(event.seats_taken)]
    if errors:
        raise ValidationError(errors)
    event.full_clean(exclude=["co_organisers", "sdgs"])


def _set_relations(event: Event, fields: dict) -> None:
    if "co_organisers" in fields:
        event.co_organisers.set(fields["co_organisers"])
    if "sdgs" in fields:
        event.sdgs.set(fields["sdgs"])


@transaction.atomic
def create_event(*, actor, title: str = "", status: str = EventStatus.DRAFT, **fields) -> Event:
    """Creates an event (a draft unless `status` says otherwise); the short name is derived
    from the title when not given."""
    event = Event(status=status)
    fields["title"] = title
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(title or fields.get("title_en") or fields.get("title_da", ""))
    if not (title or fields.get("title_en") or fields.get("title_da")):
        raise ValidationError({"title": [_("Give the event a title.")]})
    _apply(event, fields)
    event.save()
    _set_relations(event, fields)
    audit.record(
        actor=actor, action="events.event.create", target=event, data={"status": event.status}
    )
    return event


@transaction.atomic
def update_event(*, actor, event: Event, **fields) -> Event:
    """Changes an event's details. More seats promote people from the waiting list."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if "status" in fields:
        raise ValueError("Use publish_event or cancel_event to change the status.")
    # The seats taken are read with the event's row locked (a registration takes a seat with
    # an UPDATE of that row, so it waits or has already counted), and _apply refuses fewer
    # seats than that; the database's check constraint refuses it anyway.
    _apply(event, fields)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        raise ValidationError(
            {"capacity": [_too_few_seats(Event.objects.get(pk=event.pk).seats_taken)]}
        ) from None
    _set_relations(event, fields)
    audit.record(
        actor=actor, action="events.event.update", target=event, data={"fields": sorted(fields)}
    )
    _promote(event, actor=actor)
    return event


def _too_few_seats(taken: int) -> str:
    return _(
        "%(taken)s seats are already taken (confirmed or offered): the event cannot have fewer. "
        "Cancel registrations first to lower it."
    ) % {"taken": taken}


@transaction.atomic
def publish_event(*, actor, event: Event) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != EventStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    event.status = EventStatus.PUBLISHED
    event.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="events.event.publish", target=event)
    return event


@transaction.atomic
def cancel_event(*, actor, event: Event, note: str = "", base_url: str = "") -> Event:
    """Cancels the event and e-mails everyone registered (waiting list included)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("The event is already cancelled."))
    event.status = EventStatus.CANCELLED
    event.cancellation_note = note
    event.save(update_fields=["status", "cancellation_note", "updated_at"])
    registrations = list(
        event.registrations.filter(status__in=ACTIVE_STATUSES).select_related("person", "invoice")
    )
    credited = 0
    for registration in registrations:
        credited += _credit(
            registration,
            actor=actor,
            reason=_("The event %(title)s is cancelled") % {"title": event.title},
            base_url=base_url,
        )
        _email(registration, "event_cancelled", base_url)
    audit.record(
        actor=actor,
        action="events.event.cancel",
        target=event,
        data={"notified": len(registrations), "credited": credited},
    )
    return event


@transaction.atomic
def set_categories(*, actor, event: Event, categories: list[dict]) -> list[TicketCategory]:
    """Adds ticket categories: dicts of name, kind, price, capacity."""
    created = [
        TicketCategory.objects.create(event=event, position=position, **data)
        for position, data in enumerate(categories, start=event.categories.count())
    ]
    audit.record(
        actor=actor,
        action="events.category.create",
        target=event,
        data={"categories": [c.name for c in created]},
    )
    return created


# --- Registration ---------------------------------------------------------------------------


def _email(
    registration: Registration, template: str, base_url: str = "", extra: dict | None = None
) -> None:
    """Queues the e-mail in the current transaction (see `klynge.core.emails`): it is sent only
    if the transaction commits, and the worker renders it (body, .ics, QR code), not the
    request. `extra` is more template context (JSON: strings, numbers, booleans)."""
    from klynge.events.tasks import send_registration_email_task

    enqueue_on_commit(
        send_registration_email_task,
        registration_id=registration.pk,
        template=template,
        base_url=base_url,
        extra=extra or {},
    )


# Every confirmation reads its registration so: compiled once (see `klynge.core.prepared`).
_registration_to_email = Prepared(
    lambda pk: Registration.objects.select_related("event", "person", "category", "invoice").filter(
        pk=pk
    ),
    name="a registration to e-mail",
)


def send_registration_email(
    registration_id: int, template: str, base_url: str = "", extra: dict | None = None
) -> int:
    """Renders and sends one of a registration's e-mails now (run by the task worker)."""
    registration = _registration_to_email.first(registration_id)
    if registration is None or not registration.person.email:
        return 0
    extra = dict(extra or {})
    registration.refunded = extra.pop("refunded", False)
    person, event = registration.person, registration.event
    attachments = ()
    if template == "confirmed":
        from klynge.events.tickets import qr_file

        attachments = [
            ("event.ics", calendar.registration_ics(registration, base_url), "text/calendar"),
            (f"ticket-{registration.code}.svg", qr_file(registration.code), "image/svg+xml"),
        ]
    return send_email_now(
        to=person.email,
        template=f"events/emails/{template}",
        context={
            "registration": registration,
            "event": event,
            "person": person,
            "link": base_url + event.get_absolute_url(),
            # Naive wall-clock times in the event's zone: the date filter leaves them as they are.
            "starts": event.local_start.replace(tzinfo=None),
            "ends": event.local_end.replace(tzinfo=None),
            **extra,
        },
        language=person.languages[0] if person.languages else None,
        attachments=attachments,
    )


# The person's affiliations as (organisation, role, from, until), oldest first: one read per
# registration, compiled once (see `klynge.core.prepared`).
_affiliations = Prepared(
    lambda person_id: (
        Affiliation.objects.filter(person_id=person_id)
        .order_by("start_date", "id")
        .values_list("organisation_id", "role", "start_date", "end_date")
    ),
    name="affiliations of a person",
)


def _current_affiliations(person_id: int) -> list[tuple[int, str]]:
    """(organisation, role) of the person's current affiliations (as
    `Affiliation.objects.current()` would select them), oldest first: a person registers for
    the first one's organisation unless told otherwise."""
    today = timezone.localdate()
    return [
        (organisation_id, role)
        for organisation_id, role, start, end in _affiliations.all(person_id)
        if (start is None or start <= today) and (end is None or end >= today)
    ]


_membership_status = Prepared(
    lambda organisation_id: Organisation.objects.filter(pk=organisation_id).values_list(
        "membership_status", flat=True
    ),
    name="membership status of an organisation",
)


class _Registrant:
    """Who registers, and for which organisation, read once and only as far as needed: the
    organisation's membership (a member ticket type) and student status (a student one)."""

    def __init__(self, person: Person, organisation: Organisation | None):
        self.person, self.organisation = person, organisation
        if organisation is not None:
            self._current, self.organisation_id = None, organisation.pk
        else:
            self._current = _current_affiliations(person.pk)
            self.organisation_id = self._current[0][0] if self._current else None

    def is_member(self) -> bool:
        if self.organisation_id is None:
            return False
        if self.organisation is not None:
            return self.organisation.is_member
        return _membership_status.first(self.organisation_id) == MembershipStatus.MEMBER

    def is_student(self) -> bool:
        if self._current is None:
            self._current = _current_affiliations(self.person.pk)
        return any(role == AffiliationRole.STUDENT for _organisation, role in self._current)


def _eligible(category: TicketCategory, registrant: _Registrant, staff: bool) -> bool:
    if category.kind == CategoryKind.SPEAKER:
        return staff
    if category.kind == CategoryKind.MEMBER:
        return registrant.is_member()
    if category.kind == CategoryKind.STUDENT:
        return staff or registrant.is_student()
    return True


def _seats_taken(event: Event, category: TicketCategory | None = None) -> int:
    """Counts the registrations holding a seat (the counters' truth; see `recount_seats`)."""
    registrations = Registration.objects.filter(event=event, status__in=SEAT_STATUSES)
    if category is not None:
        registrations = registrations.filter(category=category)
    return registrations.count()


_FREE = Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity"))


def _seat_query(model, statuses: tuple | None) -> PreparedUpdate:
    def build(pk):
        rows = model.objects.filter(_FREE, pk=pk)
        return rows if statuses is None else rows.filter(status__in=statuses)

    return PreparedUpdate(build, {"seats_taken": F("seats_taken") + 1}, name="take a seat")


def _open_statuses(staff: bool) -> tuple:
    """The statuses of an event that takes registrations (staff: drafts too)."""
    return (EventStatus.DRAFT, EventStatus.PUBLISHED) if staff else (EventStatus.PUBLISHED,)


# Taking a seat is the UPDATE every registration makes: compiled once (`klynge.core.prepared`)
# for each set of statuses an event must be in to give one.
_EVENT_SEAT = {
    statuses: _seat_query(Event, statuses)
    for statuses in (None, _open_statuses(staff=False), _open_statuses(staff=True))
}
_CATEGORY_SEAT = _seat_query(TicketCategory, None)


def _take_seat(event_id: int, category_id: int | None, statuses=None) -> bool:
    """Takes a seat of the event (and of its ticket type) if one is free: one conditional
    UPDATE per counter, which on PostgreSQL locks the event's row until the commit (SQLite's
    IMMEDIATE transaction holds the database's write lock anyway). With `statuses`, only an
    event in one of them has seats. False (and nothing changed) when there is no seat."""
    if not _EVENT_SEAT[statuses].update(event_id):
        return False
    if category_id is not None and not _CATEGORY_SEAT.update(category_id):
        _free_seat(event_id, None)
        return False
    return True


def _free_seat(event_id: int, category_id: int | None) -> None:
    """Gives back a seat a registration held (call with the event's row locked)."""
    less = Greatest(F("seats_taken") - 1, Value(0))
    Event.objects.filter(pk=event_id).update(seats_taken=less)
    if category_id is not None:
        TicketCategory.objects.filter(pk=category_id).update(seats_taken=less)


@transaction.atomic
def recount_seats(*, event: Event) -> tuple[int, dict[int, int]]:
    """Sets the event's and its ticket types' seat counters from the registrations (after
    changes made outside the services, e.g. in the admin); returns the counts."""
    Event.objects.select_for_update().filter(pk=event.pk).exists()
    total = _seats_taken(event)
    Event.objects.filter(pk=event.pk).update(seats_taken=total)
    per_category = {}
    for category in TicketCategory.objects.filter(event=event):
        per_category[category.pk] = _seats_taken(event, category)
        TicketCategory.objects.filter(pk=category.pk).update(seats_taken=per_category[category.pk])
    event.seats_taken = total
    return total, per_category


def _price(registration: Registration) -> None:
    """Sets the price: the category's, less the organisation's membership benefits (a free
    seat while the year's allowance lasts, else the member discount)."""
    from klynge.membership.selectors import benefits_for

    price = registration.category.price if registration.category else Decimal("0.00")
    registration.price, registration.free_seat = price, False
    if price <= 0 or registration.organisation_id is None:
        return
    benefits = benefits_for(registration.organisation)
    if benefits.free_event_seats:
        used = Registration.objects.filter(
            organisation=registration.organisation,
            free_seat=True,
            status__in=ACTIVE_STATUSES,
            created_at__year=timezone.now().year,
        ).count()
        if used < benefits.free_event_seats:
            registration.price, registration.free_seat = Decimal("0.00"), True
            return
    if benefits.event_discount_percent:
        discount = price * benefits.event_discount_percent / Decimal(100)
        registration.price = (price - discount).quantize(Decimal("0.01"))


def _confirm(registration: Registration, *, actor, base_url: str) -> None:
    """Marks the registration confirmed, invoices a paid seat and sends the ticket."""
    registration.status = RegistrationStatus.CONFIRMED
    registration.offered_until = None
    if registration.price > 0 and registration.invoice_id is None:
        from klynge.membership.invoicing import create_invoice, issue_invoice

        event = registration.event
        invoice = create_invoice(
            actor=actor,
            organisation=registration.organisation,
            lines=[
                (
                    f"{event.title} ({event.local_start:%d.%m.%Y}): "
                    f"{registration.category.name}, {registration.person.full_name}",
                    1,
                    registration.price,
                )
            ],
            note=_("Event registration %(code)s") % {"code": registration.code},
        )
        registration.invoice = issue_invoice(actor=actor, invoice=invoice, base_url=base_url)
    registration.save()
    _email(registration, "confirmed", base_url)


YES, NO = "yes", "no"


_categories = Prepared(
    lambda event_id: TicketCategory.objects.filter(event_id=event_id),
    name="ticket types of an event",
)
_questions = Prepared(
    lambda event_id: Question.objects.filter(event_id=event_id), name="questions of an event"
)


def _if_any(event: Event, flag: str, rows: Prepared) -> list:
    """The event's ticket types or questions; none, unread, when the event was read with
    `selectors.for_registration` and `flag` says it has none."""
    return rows.all(event.pk) if getattr(event, flag, True) else []


def _check_answers(event: Event, answers: dict) -> dict:
    """Keeps the answers to the event's questions: text (up to 1,000 characters), one of a
    choice question's choices, or yes/no."""
    clean, errors = {}, []
    for question in _if_any(event, "has_questions", _questions):
        value = str(answers.get(str(question.pk), "") or "").strip()[:1000]
        if question.required and not value:
            errors.append(_("Answer: %(question)s") % {"question": question.label})
        elif value and question.kind == QuestionKind.CHOICE and value not in question.choices:
            errors.append(_("Choose one of the answers to: %(q)s") % {"q": question.label})
        elif value and question.kind == QuestionKind.YES_NO and value not in (YES, NO):
            errors.append(_("Answer yes or no: %(q)s") % {"q": question.label})
        if value:
            clean[str(question.pk)] = value
    if errors:
        raise ValidationError({"answers": errors})
    return clean


def _registration_open(event: Event, now: datetime.datetime) -> None:
    if event.source_id is not None:
        raise ValidationError(_("This is a partner's event: register on the organiser's page."))
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("This event is not open for registration."))
    if event.ends_at < now:
        raise ValidationError(_("This event is over."))
    if event.registration_opens_at and now < event.registration_opens_at:
        raise ValidationError(_("Registration has not opened yet."))
    if event.registration_closes_at and now > event.registration_closes_at:
        raise ValidationError(_("Registration has closed."))


def register(
    *,
    actor,
    event: Event,
    person: Person,
    category: TicketCategory | None = None,
    organisation: Organisation | None = None,
    answers: dict | None = None,
    base_url: str = "",
) -> Registration:
    """Registers `person` for `event`: confirmed while seats last, else waitlisted (or refused
    with `RegistrationRefused("full")` without a waiting list); pending when the event needs
    approval. Staff registering someone else skip the window and approval. Paid confirmed
    seats are invoiced to `organisation` (default: the person's first current affiliation);
    a person without an organisation cannot take a paid seat. E-mails the person (the e-mail is
    queued in the transaction and sent only if it commits).

    Everything that does not depend on the seats (roles, window, organisation, ticket type,
    answers, price) is decided before the transaction. In it, the registration is inserted
    first and the seat is taken last, with one conditional UPDATE of the event's counter
    (`_take_seat`): on PostgreSQL the event's row is locked only from that statement to the
    commit. When there is no seat, the decision is made again with the row locked (waiting
    list or refusal), so that no seat freed in the meantime goes unsold."""
    staff = is_staff_user(actor) if actor is not None else True
    if category is not None and category.event_id != event.pk:
        raise ValidationError({"category": [_("Choose one of this event's ticket types.")]})
    if not staff:
        _registration_open(event, timezone.now())
        if event.visibility == Visibility.INVITED and not is_invited(event, person):
            raise ValidationError(_("This event is by invitation only."))
    elif event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event is cancelled."))
    elif event.source_id is not None:
        raise ValidationError(_("This is a partner's event: register on the organiser's page."))
    registrant = _Registrant(person, organisation)
    if category is None:
        categories = _if_any(event, "has_ticket_types", _categories)
        if categories:
            category = next((c for c in categories if _eligible(c, registrant, staff)), None)
            if category is None:
                raise ValidationError({"category": [_("No ticket type is open to you.")]})
    elif not _eligible(category, registrant, staff):
        raise ValidationError({"category": [_("This ticket type is not open to you.")]})
    registration = Registration(
        event=event,
        person=person,
        category=category,
        organisation_id=registrant.organisation_id,
        answers=_check_answers(event, answers or {}),
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if organisation is not None:
        registration.organisation = organisation
    _price(registration)
    if registration.price > 0 and registration.organisation_id is None:
        raise ValidationError(
            {
                "category": [
                    _(
                        "Paid tickets are invoiced to an organisation, and you have none in the "
                        "directory. Please contact the cluster's staff."
                    )
                ]
            }
        )
    if registration.price == 0 and not _needs_approval(event, staff):
        try:
            with transaction.atomic():
                return _register_free_seat(
                    actor=actor, registration=registration, staff=staff, base_url=base_url
                )
        except _NoSeat:
            # Rolled back: the registration is made again, the slow way, as a new row.
            registration.pk, registration._state.adding = None, True
    with transaction.atomic():
        return _register_locked(
            actor=actor, registration=registration, staff=staff, base_url=base_url
        )


class _NoSeat(Exception):
    """The event (or ticket type) had no seat, or was no longer open: roll back and decide
    with its row locked."""


def _register_free_seat(
    *, actor, registration: Registration, staff: bool, base_url
) -> Registration:
    """A free seat while there are seats, in one transaction that writes everything first and
    takes the seat last: on PostgreSQL the event's row is locked (by the seat's UPDATE) only
    for that statement and the commit, so registrations for one event follow one another
    closely. Raises `_NoSeat`, to roll it all back, when the UPDATE finds no seat."""
    registration.status = RegistrationStatus.CONFIRMED
    _insert(registration)
    _email(registration, registration.status, base_url)
    _record_registration(actor, registration)
    if not _take_seat(registration.event_id, registration.category_id, _open_statuses(staff)):
        raise _NoSeat
    return registration


def _record_registration(actor, registration: Registration) -> None:
    audit.record(
        actor=actor,
        action="events.registration.create",
        target=registration,
        data={
            "status": registration.status,
            "person": registration.person_id,
            "price": str(registration.price),
        },
    )


def _needs_approval(event: Event, staff: bool) -> bool:
    return event.requires_approval and not staff


# Every registration is one such INSERT: compiled once (see `klynge.core.prepared`).
_new_registration = PreparedInsert(Registration)


def _insert(registration: Registration) -> None:
    try:
        # The partial unique index (one living registration per person and event) refuses a
        # second one; the error ends the transaction, which is rolled back as we leave it.
        _new_registration.insert(registration)
    except IntegrityError:
        raise _already_registered(registration.person) from None


def _already_registered(person: Person) -> RegistrationRefused:
    return RegistrationRefused(
        _("%(name)s is already registered for this event.") % {"name": person.full_name},
        "already_registered",
    )


def _recheck_locked(event: Event, staff: bool) -> Event:
    """Locks the event's row and checks again that it takes registrations."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event is cancelled."))
    if not staff and event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("This event is not open for registration."))
    return event


def _register_locked(*, actor, registration: Registration, staff: bool, base_url) -> Registration:
    event = registration.event
    approval = _needs_approval(event, staff)
    registration.status = RegistrationStatus.PENDING if approval else RegistrationStatus.CONFIRMED
    _insert(registration)
    if approval:
        registration.event = _recheck_locked(event, staff)
    elif not _take_seat(event.pk, registration.category_id, _open_statuses(staff)):
        # Full (or no longer open): decide again with the event's row locked, so that a seat
        # freed in the meantime and not offered to the waiting list is taken.
        event = registration.event = _recheck_locked(event, staff)
        if not _take_seat(event.pk, registration.category_id):
            if not event.waitlist:
                raise RegistrationRefused(_("This event is full."), "full")
            # Its place in the waiting list is when it was found full.
            registration.status = RegistrationStatus.WAITLISTED
            registration.created_at = timezone.now()
            registration.save(update_fields=["status", "created_at", "updated_at"])
    if registration.status == RegistrationStatus.CONFIRMED and registration.price > 0:
        _confirm(registration, actor=actor, base_url=base_url)
    else:
        _email(registration, registration.status, base_url)
    _record_registration(actor, registration)
    return registration


@transaction.atomic
def register_group(
    *, actor, event: Event, organisation: Organisation, people: list[Person], base_url: str = ""
) -> list[Registration]:
    """A member admin registers colleagues; each gets a seat or a waiting-list place in turn."""
    ids = set(
        Affiliation.objects.current()
        .filter(organisation=organisation, person__in=people)
        .values_list("person_id", flat=True)
    )
    if any(person.pk not in ids for person in people):
        raise ValidationError({"people": [_("Choose people of your organisation.")]})
    return [
        register(
            actor=actor, event=event, person=person, organisation=organisation, base_url=base_url
        )
        for person in people
    ]


def _locked(registration: Registration) -> tuple[Event, Registration]:
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = (
        Registration.objects.select_related("person", "category", "organisation")
        .select_for_update(of=("self",))
        .get(pk=registration.pk)
    )
    registration.event = event
    return event, registration


def _promote(event: Event, *, actor, base_url: str = "") -> list[Registration]:
    """Offers freed seats to the waiting list in order (or confirms at once when the event
    gives no time to accept). Call with the event row locked."""
    promoted = []
    if event.status != EventStatus.PUBLISHED:
        return promoted
    waiting = (
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED)
        .select_related("person", "category", "organisation")
        .order_by("created_at", "id")
    )
    full = Q(capacity__isnull=False, seats_taken__gte=F("capacity"))
    for registration in waiting:
        if Event.objects.filter(full, pk=event.pk).exists():
            break
        if not _take_seat(event.pk, registration.category_id):
            continue  # its ticket type has no seat left; the next person's may
        registration.event = event
        if event.offer_hours == 0:
            _confirm(registration, actor=actor, base_url=base_url)
        else:
            registration.status = RegistrationStatus.OFFERED
            registration.offered_until = timezone.now() + datetime.timedelta(
                hours=event.offer_hours
            )
            registration.save(update_fields=["status", "offered_until", "updated_at"])
            _email(registration, "offered", base_url)
        audit.record(
            actor=actor,
            action="events.registration.promote",
            target=registration,
            data={"status": registration.status},
        )
        promoted.append(registration)
    return promoted


def refund_deadline(event: Event) -> datetime.datetime:
    """Until when a paid registration is cancelled with its invoice credited."""
    return event.starts_at - datetime.timedelta(days=event.free_cancellation_days)


def _credit(registration: Registration, *, actor, reason: str, base_url: str) -> bool:
    """Credits the registration's invoice (if it has an issued one); True when it did."""
    from klynge.membership.invoicing import credit_invoice
    from klynge.membership.models import InvoiceKind, InvoiceStatus

    invoice = registration.invoice
    if invoice is None or invoice.kind != InvoiceKind.INVOICE:
        return False
    if invoice.status not in (InvoiceStatus.SENT, InvoiceStatus.OVERDUE, InvoiceStatus.PAID):
        return False
    credit_invoice(actor=actor, invoice=invoice, reason=reason, base_url=base_url)
    return True


@transaction.atomic
def cancel_registration(
    *, actor, registration: Registration, refund: bool | None = None, base_url: str = ""
) -> Registration:
    """Cancels a registration (or a waiting-list place); a freed seat goes to the next person
    on the waiting list. A paid registration's invoice is credited when it is cancelled before
    the event's free-cancellation deadline (`refund_deadline`); staff may decide otherwise with
    `refund` (True or False). `registration.refunded` tells whether the invoice was credited."""
    event, registration = _locked(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise ValidationError(_("This registration is not active."))
    if refund is not None and not roles_for(actor).has(Role.STAFF):
        raise ValidationError(_("Only the cluster's staff can override the cancellation policy."))
    held_seat = registration.status in SEAT_STATUSES
    registration.status = RegistrationStatus.CANCELLED
    registration.offered_until = None
    registration.save(update_fields=["status", "offered_until", "updated_at"])
    if held_seat:
        _free_seat(event.pk, registration.category_id)
    if refund is None:
        refund = timezone.now() <= refund_deadline(event)
    registration.refunded = refund and _credit(
        registration,
        actor=actor,
        reason=_("Registration %(code)s cancelled") % {"code": registration.code},
        base_url=base_url,
    )
    _email(registration, "cancelled", base_url, {"refunded": bool(registration.refunded)})
    audit.record(
        actor=actor,
        action="events.registration.cancel",
        target=registration,
        data={"refunded": registration.refunded},
    )
    if held_seat:
        _promote(event, actor=actor, base_url=base_url)
    return registration


@transaction.atomic
def accept_offer(*, actor, registration: Registration, base_url: str = "") -> Registration:
    """The person takes the seat offered to them from the waiting list."""
    _event, registration = _locked(registration)
    if registration.status != RegistrationStatus.OFFERED:
        raise ValidationError(_("There is no seat offer to accept."))
    if registration.offered_until and registration.offered_until <= timezone.now():
        raise ValidationError(_("The offer has expired."))
    _confirm(registration, actor=actor, base_url=base_url)
    audit.record(actor=actor, action="events.registration.accept", target=registration)
    return registration


@transaction.atomic
def decide_registration(
    *, actor, registration: Registration, approve: bool, base_url: str = ""
) -> Registration:
    """Staff approve (a seat, or the waiting list when full) or decline a pending registration."""
    event, registration = _locked(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError(_("Only a registration awaiting approval can be decided."))
    if not approve:
        registration.status = RegistrationStatus.DECLINED
        registration.save(update_fields=["status", "updated_at"])
        _email(registration, "declined", base_url)
    elif _take_seat(event.pk, registration.category_id):
        _confirm(registration, actor=actor, base_url=base_url)
    elif event.waitlist:
        registration.status = RegistrationStatus.WAITLISTED
        registration.save(update_fields=["status", "updated_at"])
        _email(registration, "waitlisted", base_url)
    else:
        raise RegistrationRefused(_("This event is full."), "full")
    audit.record(
        actor=actor,
        action="events.registration.decide",
        target=registration,
        data={"status": registration.status},
    )
    return registration


def expire_offers(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """Ends the seat offers not accepted in time and offers those seats to the next people.
    One transaction per event; returns the number of offers that expired."""
    now = now or timezone.now()
    event_ids = set(
        Registration.objects.filter(
            status=RegistrationStatus.OFFERED, offered_until__lte=now
        ).values_list("event_id", flat=True)
    )
    expired = 0
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            offers = list(
                Registration.objects.filter(
                    event=event, status=RegistrationStatus.OFFERED, offered_until__lte=now
                ).select_related("person")
            )
            for registration in offers:
                registration.status = RegistrationStatus.EXPIRED
                registration.save(update_fields=["status", "updated_at"])
                _free_seat(event.pk, registration.category_id)
                registration.event = event
                _email(registration, "expired", base_url)
                audit.record(actor=None, action="events.registration.expire", target=registration)
            expired += len(offers)
            _promote(event, actor=None, base_url=base_url)
    return expired


@transaction.atomic
def check_in(*, actor, registration: Registration) -> Registration:
    _event, registration = _locked(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed registration can check in."))
    if registration.checked_in_at is None:
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at", "updated_at"])
        audit.record(actor=actor, action="events.registration.check_in", target=registration)
        registration_checked_in.send(sender=Registration, actor=actor, registration=registration)
    return registration


# --- Ticket categories and questions --------------------------------------------------------

CATEGORY_FIELDS = ("name", "kind", "price", "capacity")
QUESTION_FIELDS = ("label", "kind", "choices", "required")


def _check_category(category: TicketCategory) -> None:
    errors = {}
    if not (category.name or "").strip():
        errors["name"] = [_("Give the ticket type a name.")]
    if category.price is None or Decimal(category.price) < 0:
        errors["price"] = [_("The price cannot be negative.")]
    if category.pk and category.capacity is not None:
        taken = TicketCategory.objects.get(pk=category.pk).seats_taken
        if category.capacity < taken:
            errors["capacity"] = [
                _("%(taken)s seats of this type are already taken.") % {"taken": taken}
            ]
    if errors:
        raise ValidationError(errors)
    category.name = category.name.strip()
    category.full_clean(exclude=["event"])


@transaction.atomic
def create_category(
    *, actor, event: Event, name: str, kind: str = CategoryKind.OTHER, price=0, capacity=None
) -> TicketCategory:
    """Adds a ticket type with its price, its audience (`kind`: member, non-member, student,
    speaker, other) and optionally its own share of the seats."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    category = TicketCategory(
        event=event,
        name=name,
        kind=kind,
        price=Decimal(price if price is not None else 0),
        capacity=capacity,
        position=event.categories.count(),
    )
    _check_category(category)
    category.save()
    audit.record(
        actor=actor,
        action="events.category.create",
        target=event,
        data={"category": category.pk, "name": category.name, "price": str(category.price)},
    )
    return category


@transaction.atomic
def update_category(*, actor, category: TicketCategory, **fields) -> TicketCategory:
    """Changes a ticket type. More seats go to the waiting list; fewer seats than are taken
    are refused. The price applies to registrations made from now on."""
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown category fields: {sorted(unknown)}")
    event = Event.objects.select_for_update().get(pk=category.event_id)
    category = TicketCategory.objects.get(pk=category.pk)
    category.event = event
    for name, value in fields.items():
        setattr(category, name, value)
    if category.price is None:
        category.price = Decimal("0")
    _check_category(category)
    category.save()
    audit.record(
        actor=actor, action="events.category.update", target=event, data={"category": category.pk}
    )
    _promote(event, actor=actor)
    return category


@transaction.atomic
def delete_category(*, actor, category: TicketCategory) -> None:
    """Removes a ticket type nobody has registered with (registrations keep their type)."""
    event = Event.objects.select_for_update().get(pk=category.event_id)
    count = Registration.objects.filter(category=category).count()
    if count:
        raise ValidationError(
            _(
                "“%(name)s” cannot be removed: %(count)s registrations use it. Lower its seats "
                "to stop new registrations instead."
            )
            % {"name": category.name, "count": count}
        )
    audit.record(
        actor=actor,
        action="events.category.delete",
        target=event,
        data={"category": category.pk, "name": category.name},
    )
    category.delete()


def _clean_choices(choices) -> list[str]:
    if isinstance(choices, str):
        choices = choices.splitlines()
    return list(dict.fromkeys(c.strip()[:200] for c in choices or [] if c and c.strip()))


def _check_question(question: Question) -> None:
    question.label = (question.label or "").strip()
    question.choices = _clean_choices(question.choices)
    errors = {}
    if not question.label:
        errors["label"] = [_("Write the question.")]
    if question.kind == QuestionKind.CHOICE and len(question.choices) < 2:
        errors["choices"] = [_("Give at least two choices, one per line.")]
    if question.kind != QuestionKind.CHOICE:
        question.choices = []
    if errors:
        raise ValidationError(errors)
    question.full_clean(exclude=["event"])


@transaction.atomic
def create_question(
    *,
    actor,
    event: Event,
    label: str,
    kind: str = QuestionKind.TEXT,
    choices=(),
    required: bool = False,
) -> Question:
    """Adds a question registrants answer: free text, one of `choices` (a list or one per
    line), or yes/no; `required` ones must be answered."""
    question = Question(
        event=event,
        label=label,
        kind=kind,
        choices=choices,
        required=required,
        position=event.questions.count(),
    )
    _check_question(question)
    question.save()
    audit.record(
        actor=actor,
        action="events.question.create",
        target=event,
        data={"question": question.pk, "label": question.label},
    )
    return question


@transaction.atomic
def update_question(*, actor, question: Question, **fields) -> Question:
    """Changes a question; answers already given stay as they were."""
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown question fields: {sorted(unknown)}")
    question = Question.objects.select_for_update().get(pk=question.pk)
    for name, value in fields.items():
        setattr(question, name, value)
    _check_question(question)
    question.save()
    audit.record(
        actor=actor,
        action="events.question.update",
        target=question.event,
        data={"question": question.pk},
    )
    return question


@transaction.atomic
def delete_question(*, actor, question: Question) -> None:
    """Removes a question; the answers already given stay on the registrations."""
    audit.record(
        actor=actor,
        action="events.question.delete",
        target=question.event,
        data={"question": question.pk, "label": question.label},
    )
    question.delete()


# --- Reminders, follow-ups and feedback -----------------------------------------------------

# Follow-ups go out in the week after an event (not for events long past when the job first ran).
FOLLOW_UP_WINDOW = datetime.timedelta(days=7)
FEEDBACK_SALT = "klynge.events.feedback"
FEEDBACK_MAX_AGE = datetime.timedelta(days=90)


@transaction.atomic
def add_reminder(*, actor, event: Event, minutes_before: int) -> Reminder:
    """Adds a reminder e-mail `minutes_before` the start (e.g. 1440: a day before)."""
    if not minutes_before or minutes_before <= 0:
        raise ValidationError({"amount": [_("A reminder goes out before the start.")]})
    if minutes_before > 60 * 24 * 60:
        raise ValidationError({"amount": [_("At most 60 days before the start.")]})
    if Reminder.objects.filter(event=event, minutes_before=minutes_before).exists():
        raise ValidationError({"amount": [_("This reminder is already set.")]})
    reminder = Reminder.objects.create(event=event, minutes_before=minutes_before)
    audit.record(
        actor=actor,
        action="events.reminder.create",
        target=event,
        data={"minutes_before": minutes_before},
    )
    return reminder


@transaction.atomic
def remove_reminder(*, actor, reminder: Reminder) -> None:
    audit.record(
        actor=actor,
        action="events.reminder.delete",
        target=reminder.event,
        data={"minutes_before": reminder.minutes_before},
    )
    reminder.delete()


def feedback_token(registration: Registration) -> str:
    return signing.dumps(registration.pk, salt=FEEDBACK_SALT, compress=True)


def registration_for_feedback_token(token: str) -> Registration | None:
    """The registration a feedback link was made for, or None for a forged or old link."""
    try:
        pk = signing.loads(token, salt=FEEDBACK_SALT, max_age=FEEDBACK_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Registration.objects.select_related("event", "person").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )


def _notify_once(registration: Registration, kind: str, minutes: list[int]) -> bool:
    """Records the notifications (all or nothing); False when another run already did."""
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(
                Notification(registration=registration, kind=kind, minutes_before=m)
                for m in minutes
            )
    except IntegrityError:
        return False
    return True


def send_due_reminders(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """Sends every reminder that is due (its time before the start has come, the event has not
    started) to each confirmed registrant, once. People who registered after a reminder's time
    do not get that one; when several are due together (the job was stopped), only the latest
    is sent and the others are recorded as done. Returns the number of e-mails queued."""
    now = now or timezone.now()
    longest = max(Reminder.objects.values_list("minutes_before", flat=True), default=0)
    if not longest:
        return 0
    reminders = (
        Reminder.objects.filter(
            event__status=EventStatus.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + datetime.timedelta(minutes=longest),
        )
        .select_related("event")
        .order_by("event_id", "minutes_before")
    )
    due: dict[int, tuple[Event, list[int]]] = {}
    for reminder in reminders:
        event = reminder.event
        if event.starts_at - datetime.timedelta(minutes=reminder.minutes_before) <= now:
            due.setdefault(event.pk, (event, []))[1].append(reminder.minutes_before)
    sent = 0
    for event, offsets in due.values():
        done = set(
            Notification.objects.filter(
                registration__event=event, kind=NotificationKind.REMINDER
            ).values_list("registration_id", "minutes_before")
        )
        registrations = Registration.objects.filter(
            event=event, status=RegistrationStatus.CONFIRMED
        ).select_related("person")
        for registration in registrations:
            pending = [
                m
                for m in offsets
                if (registration.pk, m) not in done
                and registration.created_at <= event.starts_at - datetime.timedelta(minutes=m)
            ]
            if not pending:
                continue
            with transaction.atomic():
                if not _notify_once(registration, NotificationKind.REMINDER, pending):
                    continue
                registration.event = event
                _email(registration, "reminder", base_url, _reminder_context(event, base_url))
            sent += 1
    return sent


def _reminder_context(event: Event, base_url: str) -> dict:
    online = event.format in (EventFormat.ONLINE, EventFormat.HYBRID) and event.online_url
    watch = base_url + reverse("events:watch", args=[event.slug]) if online else ""
    return {"watch_link": watch}


def send_follow_ups(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """After an event has ended (within a week), e-mails each confirmed registrant once: the
    links to the event's recordings that registrant may watch (public and registrants' ones,
    members' ones only to people of member organisations, sessions only with the speakers'
    consent), and a link to the feedback form that works without signing in. Returns the number
    of e-mails queued."""
    now = now or timezone.now()
    events = Event.objects.filter(
        status=EventStatus.PUBLISHED,
        send_follow_up=True,
        ends_at__lte=now,
        ends_at__gt=now - FOLLOW_UP_WINDOW,
    )
    sent = 0
    for event in events:
        registrations = (
            Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
            .exclude(notifications__kind=NotificationKind.FOLLOW_UP)
            .select_related("person")
        )
        recordings = list(event_recordings(event))
        members = member_person_ids([r.person_id for r in registrations])
        for registration in registrations:
            with transaction.atomic():
                if not _notify_once(registration, NotificationKind.FOLLOW_UP, [0]):
                    continue
                registration.event = event
                link = reverse("events:feedback", args=[feedback_token(registration)])
                allowed = [
                    [recording.display_title, recording.url]
                    for recording in recordings
                    if recording.access != RecordingAccess.MEMBERS
                    or registration.person_id in members
                ]
                _email(
                    registration,
                    "follow_up",
                    base_url,
                    {"recordings": allowed, "feedback_link": base_url + link},
                )
            sent += 1
    return sent


@transaction.atomic
def submit_feedback(*, actor, registration: Registration, rating, comment: str = "") -> Feedback:
    """Records a registrant's rating (1–5) and comment, once per registration, after the
    event has started."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Choose a rating from 1 to 5.")]})
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(_("Only people who had a seat can give feedback."))
    if registration.event.starts_at > timezone.now():
        raise ValidationError(_("Feedback opens when the event has started."))
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                registration=registration, rating=rating, comment=(comment or "").strip()[:4000]
            )
    except IntegrityError:
        raise ValidationError(_("Thank you: your feedback is already recorded.")) from None
    audit.record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action="events.feedback.create",
        target=registration,
        data={"rating": rating},
    )
    return feedback


# --- Recordings -----------------------------------------------------------------------------


@transaction.atomic
def add_recording(
    *,
    actor,
    event: Event,
    url: str,
    title: str = "",
    access: str = RecordingAccess.PUBLIC,
    session=None,
) -> Recording:
    """Adds a recording of the event, or of one of its programme's sessions (only if the
    session's speakers consented to recording)."""
    if session is not None:
        if session.event_id != event.pk:
            raise ValidationError({"session": [_("Choose a session of this event.")]})
        if not session.recording_allowed:
            raise ValidationError(
                {"session": [_("The speakers of this session did not consent to recording.")]}
            )
    recording = Recording(event=event, session=session, url=url, title=title.strip(), access=access)
    recording.full_clean()
    recording.save()
    audit.record(
        actor=actor,
        action="events.recording.create",
        target=event,
        data={"recording": recording.pk, "access": access},
    )
    return recording


@transaction.atomic
def remove_recording(*, actor, recording: Recording) -> None:
    audit.record(
        actor=actor,
        action="events.recording.delete",
        target=recording.event,
        data={"recording": recording.pk, "url": recording.url},
    )
    recording.delete()


# --- Invitations (events by invitation only) -----------------------------------------------


def is_invited(event: Event, person: Person) -> bool:
    return Invitation.objects.filter(event=event, person=person, revoked_at__isnull=True).exists()


@transaction.atomic
def invite_people(
    *, actor, event: Event, people: list[Person], base_url: str = ""
) -> list[Invitation]:
    """Invites people to the event and e-mails each an invitation with the event's link (after
    commit). People already invited are left as they are (a withdrawn invitation is renewed);
    returns the invitations made or renewed."""
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("The event is cancelled."))
    made = []
    now = timezone.now()
    for person in people:
        invitation, created = Invitation.objects.get_or_create(
            event=event, person=person, defaults={"invited_by": actor_or_none(actor)}
        )
        if not created and invitation.revoked_at is None:
            continue
        invitation.revoked_at = None
        invitation.sent_at = now if person.email else None
        invitation.invited_by = actor_or_none(actor)
        invitation.save(update_fields=["revoked_at", "sent_at", "invited_by", "updated_at"])
        if person.email:
            from klynge.core.emails import queue_email

            queue_email(
                to=person.email,
                template="events/emails/invitation",
                context={
                    "event": event,
                    "person": person,
                    "link": base_url + event.get_absolute_url(),
                    "starts": event.local_start.replace(tzinfo=None),
                    "ends": event.local_end.replace(tzinfo=None),
                },
                language=person.languages[0] if person.languages else None,
            )
        made.append(invitation)
    audit.record(
        actor=actor,
        action="events.invitation.create",
        target=event,
        data={"people": [invitation.person_id for invitation in made]},
    )
    return made


@transaction.atomic
def withdraw_invitation(*, actor, invitation: Invitation) -> Invitation:
    """Withdraws an invitation: the person no longer sees the event (a registration already
    made stays; cancel it separately)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=actor,
            action="events.invitation.withdraw",
            target=invitation.event,
            data={"person": invitation.person_id},
        )
    return invitation


def actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- The personal calendar feed -------------------------------------------------------------


@transaction.atomic
def ensure_calendar_token(*, actor, user, reset: bool = False) -> CalendarToken:
    """The secret of the user's calendar feed address; `reset` replaces it (the old address
    stops working at once)."""
    token = CalendarToken.objects.select_for_update().filter(user=user).first()
    if token is not None and not reset:
        return token
    if token is not None:
        token.delete()
    token = CalendarToken.objects.create(user=user)
    audit.record(
        actor=actor,
        action="events.calendar_token.reset" if reset else "events.calendar_token.create",
        target=user,
    )
    return token
