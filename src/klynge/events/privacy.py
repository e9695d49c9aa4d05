"""Events' part of a person's data download and of an erasure (see ecosystem/privacy.py).

The download holds the person's registrations (with their answers and ticket codes), the
feedback they gave, the invitations they got and whether they have a calendar feed address.

On erasure the registrations stay, so the seat counts, the attendance and the invoices of past
events remain right, but nothing in them points to the person any more: the answers (dietary
needs and the like) are removed, every ticket gets a new code (the QR code in old e-mails no
longer works), living registrations of events that have not ended are cancelled (the seat goes
to the waiting list), feedback comments are removed (the ratings stay), and the invitations and
the calendar feed address are deleted.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import person_of, register_erasure_step, register_personal_data
from klynge.events.models import (
    ACTIVE_STATUSES,
    CalendarToken,
    Feedback,
    Invitation,
    Question,
    Registration,
    _ticket_code,
)


def _registrations(user):
    person = person_of(user)
    if person is None:
        return []
    registrations = list(
        Registration.objects.filter(person=person)
        .select_related("event", "category", "organisation")
        .order_by("event__starts_at", "id")
    )
    labels = dict(
        Question.objects.filter(event__in={r.event_id for r in registrations}).values_list(
            "pk", "label"
        )
    )
    return [
        {
            "event": r.event.display_title,
            "starts_at": r.event.starts_at,
            "status": r.status,
            "ticket": r.category.name if r.category else "",
            "organisation": r.organisation.name if r.organisation else "",
            "price": r.price,
            "ticket_code": r.code,
            "answers": {labels.get(int(key), key): value for key, value in r.answers.items()},
            "registered_at": r.created_at,
            "checked_in_at": r.checked_in_at,
        }
        for r in registrations
    ]


def _feedback(user):
    return [
        {"event": title, "rating": rating, "comment": comment, "given_at": given}
        for title, rating, comment, given in Feedback.objects.filter(
            registration__person__user=user
        )
        .order_by("created_at")
        .values_list("registration__event__title", "rating", "comment", "created_at")
    ]


def _invitations(user):
    return [
        {"event": title, "invited_at": created, "withdrawn_at": revoked}
        for title, created, revoked in Invitation.objects.filter(person__user=user)
        .order_by("created_at")
        .values_list("event__title", "created_at", "revoked_at")
    ]


def _calendar_feed(user):
    # Never the secret itself: it is a credential, not information about the person.
    token = CalendarToken.objects.filter(user=user).first()
    return {"created_at": token.created_at} if token else None


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    from klynge.events import services

    now = timezone.now()
    living = Registration.objects.filter(
        person=person, status__in=ACTIVE_STATUSES, event__ends_at__gt=now
    )
    for registration in living:
        services.cancel_registration(actor=actor, registration=registration, refund=None)
    for registration in Registration.objects.filter(person=person).only("pk"):
        Registration.objects.filter(pk=registration.pk).update(answers={}, code=_ticket_code())
    Feedback.objects.filter(registration__person=person).update(comment="")
    Invitation.objects.filter(person=person).delete()
    if user is not None:
        CalendarToken.objects.filter(Q(user=user)).delete()


register_personal_data("event_registrations", _registrations, label=_("Your event registrations"))
register_personal_data("event_feedback", _feedback, label=_("Feedback you gave on events"))
register_personal_data("event_invitations", _invitations, label=_("Invitations to events"))
register_personal_data(
    "event_calendar_feed", _calendar_feed, label=_("Your calendar feed address (when made)")
)
register_erasure_step("events", _erase)
