"""Cancelling a paid registration credits its invoice under the event's cancellation policy."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import AffiliationFactory
from klynge.events import services
from klynge.events.models import RegistrationStatus
from klynge.events.tests.factories import EventFactory, TicketCategoryFactory
from klynge.membership.models import Invoice

pytestmark = pytest.mark.django_db


def _paid(
    member_org, *, days_ahead, free_cancellation_days=7, email="paying@fynsk.example", person=None
):
    start = timezone.now() + datetime.timedelta(days=days_ahead)
    event = EventFactory(
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        free_cancellation_days=free_cancellation_days,
    )
    category = TicketCategoryFactory(event=event, name="Standard", price=Decimal("500"))
    person = person or AffiliationFactory(organisation=member_org, person__email=email).person
    registration = services.register(actor=None, event=event, person=person, category=category)
    assert registration.invoice.status == "sent"
    return registration


def _credit_notes():
    return list(Invoice.objects.filter(kind="credit_note").values_list("credits_id", "total"))


def test_cancelling_before_the_deadline_credits_the_invoice(
    member_org, django_capture_on_commit_callbacks
):
    registration = _paid(member_org, days_ahead=10)
    invoice = registration.invoice
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_registration(actor=None, registration=registration)
    assert (cancelled.status, cancelled.refunded) == (RegistrationStatus.CANCELLED, True)
    invoice.refresh_from_db()
    assert invoice.status == "credited"
    assert _credit_notes() == [(invoice.pk, -invoice.total)]
    cancellation = next(m for m in mail.outbox if m.subject.startswith("Registration cancelled"))
    assert "Its invoice is credited: a credit note follows by e-mail." in cancellation.body
    assert AuditEntry.objects.get(action="events.registration.cancel").data == {"refunded": True}


def test_cancelling_after_the_deadline_keeps_the_invoice(
    member_org, django_capture_on_commit_callbacks
):
    registration = _paid(member_org, days_ahead=3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_registration(actor=None, registration=registration)
    assert (cancelled.status, cancelled.refunded) == (RegistrationStatus.CANCELLED, False)
    registration.invoice.refresh_from_db()
    assert registration.invoice.status == "sent"
    assert _credit_notes() == []
    assert (
        "It was cancelled less than 7 days before the start, so the invoice is not refunded."
        in mail.outbox[0].body
    )


def test_the_deadline_follows_the_events_policy(member_org):
    # 3 days ahead, but free cancellation until 2 days before: credited.
    registration = _paid(member_org, days_ahead=3, free_cancellation_days=2)
    assert services.cancel_registration(actor=None, registration=registration).refunded is True
    # 0 days: free cancellation until the start.
    other = _paid(member_org, days_ahead=0.1, free_cancellation_days=0, email="b@fynsk.example")
    assert services.cancel_registration(actor=None, registration=other).refunded is True


def test_staff_may_override_the_policy_others_may_not(member_org, staff, employee):
    late = _paid(member_org, days_ahead=2)
    with pytest.raises(ValidationError, match="Only the cluster's staff"):
        services.cancel_registration(actor=employee, registration=late, refund=True)
    assert services.cancel_registration(actor=staff, registration=late, refund=True).refunded
    early = _paid(member_org, days_ahead=20, email="early@fynsk.example")
    assert not services.cancel_registration(actor=staff, registration=early, refund=False).refunded
    early.invoice.refresh_from_db()
    assert early.invoice.status == "sent"


def test_a_free_registration_has_nothing_to_credit(people):
    event = EventFactory()
    (person,) = people(1)
    registration = services.register(actor=None, event=event, person=person)
    assert services.cancel_registration(actor=None, registration=registration).refunded is False
    assert not Invoice.objects.exists()


def test_cancelling_the_event_credits_every_paid_registration(member_org, staff):
    registration = _paid(member_org, days_ahead=1)
    services.cancel_event(actor=staff, event=registration.event, note="Storm")
    registration.invoice.refresh_from_db()
    assert registration.invoice.status == "credited"
    assert AuditEntry.objects.get(action="events.event.cancel").data == {
        "notified": 1,
        "credited": 1,
    }


def test_the_cancel_page_says_whether_the_invoice_was_credited(client, member_org, staff):
    early = _paid(member_org, days_ahead=10)
    client.force_login(staff)
    response = client.post(reverse("events:cancel_registration", args=[early.pk]), follow=True)
    assert "The registration is cancelled and its invoice credited." in response.content.decode()
    late = _paid(member_org, days_ahead=2, email="late@fynsk.example")
    back = reverse("events:manage_registrations", args=[late.event.slug])
    response = client.post(
        reverse("events:cancel_registration", args=[late.pk]), {"next": back}, follow=True
    )
    assert response.redirect_chain == [(back, 302)]
    assert (
        "It was cancelled less than 7 days before the start, so the invoice stands."
        in response.content.decode()
    )
    # Staff choose to credit a late one; an outside `next` is ignored.
    other = _paid(member_org, days_ahead=2, email="other@fynsk.example")
    response = client.post(
        reverse("events:cancel_registration", args=[other.pk]),
        {"refund": "yes", "next": "https://evil.example/"},
    )
    assert response["Location"] == other.event.get_absolute_url()
    other.invoice.refresh_from_db()
    assert other.invoice.status == "credited"


def test_a_registrant_cannot_force_a_refund_through_the_page(client, member_org, employee):
    late = _paid(member_org, days_ahead=2, person=Person.objects.get(user=employee))
    client.force_login(employee)
    client.post(reverse("events:cancel_registration", args=[late.pk]), {"refund": "yes"})
    late.refresh_from_db()
    late.invoice.refresh_from_db()
    assert (late.status, late.invoice.status) == ("cancelled", "sent")
