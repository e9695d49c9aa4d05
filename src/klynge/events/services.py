"""Writes to events and registrations.

Seats: every registration write locks the event row first (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite `atomic()` takes the database's write lock, transaction_mode IMMEDIATE),
then counts the seats taken (confirmed registrations and outstanding offers). Registrations for
one event are therefore decided one after the other and an event is never oversold, while
every free seat goes to the next person (no one is refused or waitlisted while a seat is free).
E-mails are queued after commit: a rolled-back registration sends nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.accounts.roles import Role, roles_for
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import Affiliation, Organisation, Person
from klynge.events import calendar
from klynge.events.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CategoryKind,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    TicketCategory,
)

# Paths that the event URLs use, so no event may take them as its short name.
RESERVED_SLUGS = {"mine", "manage", "new", "feed", "registrations"}
EVENT_FIELDS = {
    "title", "title_da", "title_en", "kind", "format", "visibility", "starts_at", "ends_at",
    "time_zone", "venue", "address", "online_url", "summary", "description_da",
    "description_en", "organiser", "pillars", "recording_url", "capacity", "waitlist",
    "requires_approval", "registration_opens_at", "registration_closes_at", "offer_hours",
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
    _apply(event, fields)
    event.save()
    _set_relations(event, fields)
    audit.record(
        actor=actor, action="events.event.update", target=event, data={"fields": sorted(fields)}
    )
    _promote(event, actor=actor)
    return event


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
        event.registrations.filter(status__in=ACTIVE_STATUSES).select_related("person")
    )
    for registration in registrations:
        _email(registration, "event_cancelled", base_url)
    audit.record(
        actor=actor,
        action="events.event.cancel",
        target=event,
        data={"notified": len(registrations)},
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


def _email(registration: Registration, template: str, base_url: str = "") -> None:
    """Renders and queues the e-mail once the transaction has committed (so the event's lock
    is not held while rendering, and a rolled-back registration sends nothing)."""
    transaction.on_commit(lambda: _send(registration, template, base_url))


def _send(registration: Registration, template: str, base_url: str) -> None:
    person = registration.person
    if not person.email:
        return
    event = registration.event
    attachments = ()
    if template == "confirmed":
        from klynge.events.tickets import qr_file

        attachments = [
            ("event.ics", calendar.registration_ics(registration, base_url), "text/calendar"),
            (f"ticket-{registration.code}.svg", qr_file(registration.code), "image/svg+xml"),
        ]
    language = person.languages[0] if person.languages else None
    queue_email(
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
        },
        language=language,
        attachments=attachments,
    )


def default_organisation(person: Person) -> Organisation | None:
    """The organisation a person registers for: their first current affiliation's."""
    affiliation = (
        Affiliation.objects.current()
        .filter(person=person)
        .select_related("organisation")
        .order_by("start_date", "id")
        .first()
    )
    return affiliation.organisation if affiliation else None


def _eligible(category: TicketCategory, person: Person, organisation, staff: bool) -> bool:
    if category.kind == CategoryKind.SPEAKER:
        return staff
    if category.kind == CategoryKind.MEMBER:
        return organisation is not None and organisation.is_member
    if category.kind == CategoryKind.STUDENT:
        return staff or Affiliation.objects.current().filter(person=person, role="student").exists()
    return True


def _seats_taken(event: Event, category: TicketCategory | None = None) -> int:
    registrations = Registration.objects.filter(event=event, status__in=SEAT_STATUSES)
    if category is not None:
        registrations = registrations.filter(category=category)
    return registrations.count()


def _has_seat(event: Event, category: TicketCategory | None) -> bool:
    if event.capacity is not None and _seats_taken(event) >= event.capacity:
        return False
    if category is not None and category.capacity is not None:
        return _seats_taken(event, category) < category.capacity
    return True


def _price(registration: Registration) -> None:
    """Sets the price: the category's, less the organisation's membership benefits (a free
    seat while the year's allowance lasts, else the member discount)."""
    from klynge.membership.selectors import benefits_for

    price = registration.category.price if registration.category else Decimal("0.00")
    registration.price, registration.free_seat = price, False
    if price <= 0 or registration.organisation is None:
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


def _check_answers(event: Event, answers: dict) -> dict:
    clean, errors = {}, []
    for question in event.questions.all():
        value = str(answers.get(str(question.pk), "") or "").strip()[:1000]
        if question.required and not value:
            errors.append(_("Answer: %(question)s") % {"question": question.label})
        if value:
            clean[str(question.pk)] = value
    if errors:
        raise ValidationError({"answers": errors})
    return clean


def _registration_open(event: Event, now: datetime.datetime) -> None:
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
    a person without an organisation cannot take a paid seat. E-mails the person after commit.

    What does not depend on the seats (roles, organisation, categories, answers) is read
    before the transaction, so the event's lock is held only for the seat decision."""
    staff = roles_for(actor).has(Role.STAFF) if actor is not None else True
    organisation = organisation or default_organisation(person)
    categories = list(event.categories.all())
    if category is not None and category.event_id != event.pk:
        raise ValidationError({"category": [_("Choose one of this event's ticket types.")]})
    if category is None and categories:
        category = next((c for c in categories if _eligible(c, person, organisation, staff)), None)
        if category is None:
            raise ValidationError({"category": [_("No ticket type is open to you.")]})
    if category is not None and not _eligible(category, person, organisation, staff):
        raise ValidationError({"category": [_("This ticket type is not open to you.")]})
    clean_answers = _check_answers(event, answers or {})
    with transaction.atomic():
        return _register_locked(
            actor=actor,
            event=event,
            person=person,
            category=category,
            organisation=organisation,
            answers=clean_answers,
            staff=staff,
            base_url=base_url,
        )


def _register_locked(
    *, actor, event, person, category, organisation, answers, staff, base_url
) -> Registration:
    now = timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not staff:
        _registration_open(event, now)
    elif event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event is cancelled."))
    if Registration.objects.filter(event=event, person=person, status__in=ACTIVE_STATUSES).exists():
        raise RegistrationRefused(
            _("%(name)s is already registered for this event.") % {"name": person.full_name},
            "already_registered",
        )
    registration = Registration(
        event=event,
        person=person,
        category=category,
        organisation=organisation,
        answers=answers,
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _price(registration)
    if registration.price > 0 and organisation is None:
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
    seat = _has_seat(event, category)
    if event.requires_approval and not staff:
        registration.status = RegistrationStatus.PENDING
    elif seat:
        registration.status = RegistrationStatus.CONFIRMED
    elif event.waitlist:
        registration.status = RegistrationStatus.WAITLISTED
    else:
        raise RegistrationRefused(_("This event is full."), "full")
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise RegistrationRefused(
            _("%(name)s is already registered for this event.") % {"name": person.full_name},
            "already_registered",
        ) from None
    if registration.status == RegistrationStatus.CONFIRMED and registration.price > 0:
        _confirm(registration, actor=actor, base_url=base_url)
    else:
        _email(registration, registration.status, base_url)
    audit.record(
        actor=actor,
        action="events.registration.create",
        target=registration,
        data={"status": registration.status, "person": person.pk, "price": str(registration.price)},
    )
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
    for registration in waiting:
        if event.capacity is not None and _seats_taken(event) >= event.capacity:
            break
        if not _has_seat(event, registration.category):
            continue
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


@transaction.atomic
def cancel_registration(*, actor, registration: Registration, base_url: str = "") -> Registration:
    """Cancels a registration (or a waiting-list place); a freed seat goes to the next person
    on the waiting list."""
    event, registration = _locked(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise ValidationError(_("This registration is not active."))
    held_seat = registration.status in SEAT_STATUSES
    registration.status = RegistrationStatus.CANCELLED
    registration.offered_until = None
    registration.save(update_fields=["status", "offered_until", "updated_at"])
    _email(registration, "cancelled", base_url)
    audit.record(actor=actor, action="events.registration.cancel", target=registration)
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
    elif _has_seat(event, registration.category):
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
    return registration
