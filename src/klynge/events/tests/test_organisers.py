"""What organisers need about their registrants: the answers on the registrations page and in
a CSV export, and invitation lists for events by invitation."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import Invitation, Registration
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_with_answers(staff):
    event = EventFactory(title="Summit", slug="summit")
    diet = services.create_question(actor=staff, event=event, label="Dietary needs")
    shirt = services.create_question(
        actor=staff, event=event, label="T-shirt", kind="choice", choices=["S", "M"]
    )
    ada = PersonFactory(first_name="Ada", last_name="Lund", email="ada@example.org")
    bo = PersonFactory(first_name="Bo", last_name="Berg", email="bo@example.org")
    services.register(
        actor=None, event=event, person=ada, answers={str(diet.pk): "Vegan", str(shirt.pk): "M"}
    )
    services.register(actor=None, event=event, person=bo, answers={str(diet.pk): "=1+1"})
    return event, diet, shirt


def test_the_registrations_page_shows_the_answers(client, staff, event_with_answers):
    event, diet, shirt = event_with_answers
    client.force_login(staff)
    html = client.get(reverse("events:manage_registrations", args=[event.slug])).content.decode()
    assert f'<th scope="col" data-question="{diet.pk}">Dietary needs</th>' in html
    assert f'<th scope="col" data-question="{shirt.pk}">T-shirt</th>' in html
    assert "<td data-answer>Vegan</td><td data-answer>M</td>" in html
    assert "<td data-answer>=1+1</td><td data-answer>–</td>" in html


def test_the_registrations_page_is_a_constant_number_of_queries(
    client, staff, people, django_assert_num_queries
):
    event = EventFactory()
    services.create_question(actor=staff, event=event, label="Dietary needs")
    client.force_login(staff)
    url = reverse("events:manage_registrations", args=[event.slug])
    counts = []
    for n in (1, 3):
        for person in people(n) if n == 1 else PersonFactory.create_batch(2):
            services.register(actor=None, event=event, person=person)
        client.get(url)
        with django_assert_num_queries(7) as captured:
            response = client.get(url)
        counts.append(len(captured))
        assert response.content.decode().count("data-registration=") == n
    assert counts == [7, 7]


def test_the_csv_export_has_every_registration_with_its_answers(
    client, staff, employee, event_with_answers
):
    event, _diet, _shirt = event_with_answers
    url = reverse("events:registrations_csv", args=[event.slug])
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="registrations-summit.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "First name", "Last name", "E-mail", "Organisation", "Ticket", "Status", "Price",
        "Ticket code", "Registered", "Checked in", "Dietary needs", "T-shirt",
    ]  # fmt: skip
    codes = dict(Registration.objects.values_list("person__first_name", "code"))
    assert [row[:3] + row[5:8] + row[9:] for row in rows[1:]] == [
        ["Ada", "Lund", "ada@example.org", "Confirmed", "0.00", codes["Ada"], "", "Vegan", "M"],
        # A typed formula is exported as text, never run by the spreadsheet.
        ["Bo", "Berg", "bo@example.org", "Confirmed", "0.00", codes["Bo"], "", "'=1+1", ""],
    ]


def test_invited_people_see_the_event_and_register_others_do_not(
    client, staff, employee, member_admin, django_capture_on_commit_callbacks
):
    event = EventFactory(title="Board dinner", slug="board-dinner", visibility="invited")
    page = event.get_absolute_url()
    client.force_login(employee)
    assert client.get(page).status_code == 404
    guest = Person.objects.get(user=employee)
    client.force_login(staff)
    url = reverse("events:invitations", args=[event.slug])
    response = client.post(url, {"emails": f"{guest.email.upper()}\nnobody@example.org"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "emails": ["No person in the directory has these addresses: nobody@example.org"]
    }
    assert not Invitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"emails": guest.email.upper()}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["1 person invited."]
    (message,) = mail.outbox
    assert (message.to, message.subject) == ([guest.email], "You are invited: Board dinner")
    assert f"http://testserver{page}" in message.body
    # The guest sees it and registers; someone not invited still does not see it.
    client.force_login(employee)
    assert client.get(page).status_code == 200
    client.post(reverse("events:register", args=[event.slug]))
    assert Registration.objects.get(event=event).person == guest
    client.force_login(member_admin)
    assert client.get(page).status_code == 404
    with pytest.raises(services.ValidationError) as refused:
        services.register(
            actor=member_admin, event=event, person=Person.objects.get(user=member_admin)
        )
    assert refused.value.messages == ["This event is by invitation only."]
    # The list shows who registered; withdrawing hides the event from a person not registered.
    client.force_login(staff)
    html = client.get(url).content.decode()
    assert "<td data-registration>Confirmed</td>" in html
    invitation = Invitation.objects.get()
    client.post(reverse("events:invitation_withdraw", args=[event.slug, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    Registration.objects.filter(event=event).update(status="cancelled")
    client.force_login(employee)
    assert client.get(page).status_code == 404
