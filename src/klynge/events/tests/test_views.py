import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory
from klynge.events import services
from klynge.events.models import Event, Question, Registration
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    return re.findall(r'<tr data-event="[^"]+">\s*<td><a href="[^"]+">([^<]+)</a>', html)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_public_list_has_a_constant_query_count(client, rows, django_assert_num_queries):
    for n in range(rows):
        EventFactory(title=f"Event {n}")
    with django_assert_num_queries(2):  # count + page
        response = client.get(reverse("events:list"))
    assert response.status_code == 200
    assert _titles(response.content.decode()) == [f"Event {n}" for n in range(rows)]


def test_list_filters_by_kind_format_and_time_with_htmx(client):
    EventFactory(title="Workshop", kind="workshop")
    EventFactory(title="Webinar", kind="webinar", format="online")
    past = timezone.now() - datetime.timedelta(days=30)
    EventFactory(title="Old", starts_at=past, ends_at=past + datetime.timedelta(hours=1))
    EventFactory(title="Secret draft", status="draft")
    EventFactory(title="For members", visibility="members")
    assert _titles(client.get(reverse("events:list")).content.decode()) == ["Workshop", "Webinar"]
    response = client.get(
        reverse("events:list"), {"kind": "webinar"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<h1>" not in html  # the partial only
    assert _titles(html) == ["Webinar"]
    assert _titles(client.get(reverse("events:list"), {"format": "online"}).content.decode()) == [
        "Webinar"
    ]
    assert _titles(client.get(reverse("events:list"), {"when": "past"}).content.decode()) == ["Old"]


def test_members_see_members_only_events(client, employee):
    EventFactory(title="For members", visibility="members")
    client.force_login(employee)
    assert _titles(client.get(reverse("events:list")).content.decode()) == ["For members"]


def test_event_page_in_three_time_zones_across_dst(client):
    # 26 March 2027: the US is on summer time, Europe not yet; 30 March: both are.
    before = datetime.datetime(2027, 3, 26, 14, 0, tzinfo=datetime.UTC)  # 15:00 in Oslo
    after = datetime.datetime(2027, 3, 30, 13, 0, tzinfo=datetime.UTC)  # 15:00 in Oslo
    expected = {
        before: {"Europe/Oslo": "15:00", "Europe/London": "14:00", "America/New_York": "10:00"},
        after: {"Europe/Oslo": "15:00", "Europe/London": "14:00", "America/New_York": "09:00"},
    }
    for start, times in expected.items():
        event = EventFactory(
            format="online",
            time_zone="Europe/Oslo",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
        default = client.get(event.get_absolute_url()).content.decode()
        assert re.search(r'<dd id="event-time">.*?(\d\d:\d\d)', default).group(1) == "15:00"
        for zone, time in times.items():
            html = client.get(event.get_absolute_url(), {"tz": zone}).content.decode()
            shown = re.search(r'<dd id="event-time">.*?(\d\d:\d\d).*?\((\S+)\)', html)
            assert (shown.group(1), shown.group(2)) == (time, zone), (start, zone)
    # An unknown zone falls back to the event's.
    html = client.get(event.get_absolute_url(), {"tz": "Mars/Olympus"}).content.decode()
    assert "(Europe/Oslo)" in html


def test_a_signed_in_person_registers_and_cancels_on_the_page(
    client, employee, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1, offer_hours=0)
    diet = Question.objects.create(event=event, label="Dietary needs", required=True)
    client.force_login(employee)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Dietary needs" in page
    response = client.post(reverse("events:register", args=[event.slug]), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:register", args=[event.slug]), {f"q_{diet.pk}": "Vegetarian"}
        )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.status, registration.answers) == (
        "confirmed",
        {str(diet.pk): "Vegetarian"},
    )
    assert mail.outbox[0].attachments[0][0] == "event.ics"
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Your registration: Confirmed" in page
    assert registration.code in page
    assert '<figure id="ticket"><svg' in page
    assert [a[0] for a in mail.outbox[0].attachments] == [
        "event.ics",
        f"ticket-{registration.code}.svg",
    ]

    waiting = PersonFactory(email="next@example.org")
    services.register(actor=None, event=event, person=waiting, answers={str(diet.pk): "None"})
    mine = client.get(reverse("events:mine")).content.decode()
    assert event.title in mine
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:cancel_registration", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert Registration.objects.get(person=waiting).status == "confirmed"
    assert mail.outbox[-1].to == ["next@example.org"]


def test_anonymous_visitors_are_asked_to_sign_in(client):
    event = EventFactory()
    assert "Sign in to register" in client.get(event.get_absolute_url()).content.decode()
    response = client.post(reverse("events:register", args=[event.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_nobody_cancels_someone_elses_registration(client, employee, founder):
    event = EventFactory()
    registration = services.register(
        actor=None, event=event, person=Person.objects.get(user=employee)
    )
    client.force_login(founder)
    response = client.post(reverse("events:cancel_registration", args=[registration.pk]))
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "confirmed"


@pytest.mark.parametrize("rows", [1, 3])
def test_my_registrations_constant_queries(client, employee, rows, django_assert_num_queries):
    person = Person.objects.get(user=employee)
    for _ in range(rows):
        services.register(actor=None, event=EventFactory(), person=person)
    client.force_login(employee)
    client.get(reverse("events:mine"))  # warms the session
    with django_assert_num_queries(5):  # session, user, roles, registrations, calendar token
        response = client.get(reverse("events:mine"))
    assert response.content.decode().count("data-registration=") == rows


def test_staff_create_publish_and_cancel_an_event(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    assert client.get(reverse("events:create")).status_code == 200
    data = {
        "title_da": "Morgenmøde om AI",
        "title_en": "Breakfast on AI",
        "kind": "breakfast_seminar",
        "format": "hybrid",
        "visibility": "public",
        "time_zone": "Europe/Oslo",
        "starts_at": "2027-03-30T08:00",
        "ends_at": "2027-03-30T10:00",
        "capacity": "40",
        "waitlist": "on",
        "offer_hours": "24",
        "pillars": ["innovation"],
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert (event.slug, event.status, event.title, event.pillars) == (
        "breakfast-on-ai",
        "draft",
        "Breakfast on AI",
        ["innovation"],
    )
    assert event.starts_at == datetime.datetime(2027, 3, 30, 6, 0, tzinfo=datetime.UTC)
    # A draft is not public.
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    client.force_login(staff)
    edit = client.get(reverse("events:edit", args=[event.slug])).content.decode()
    assert 'value="2027-03-30T08:00"' in edit
    client.post(reverse("events:publish", args=[event.slug]))
    event.refresh_from_db()
    assert event.status == "published"
    person = PersonFactory(email="guest@example.org")
    response = client.post(
        reverse("events:manage_registrations", args=[event.slug]), {"email": "GUEST@example.org"}
    )
    assert response.status_code == 302
    assert Registration.objects.get().person == person
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:cancel", args=[event.slug]), {"note": "Snow storm."})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert mail.outbox[-1].subject == "Cancelled: Breakfast on AI"
    assert AuditEntry.objects.filter(action="events.event.cancel").count() == 1


def test_staff_form_errors_are_400(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("events:create"),
        {"kind": "workshop", "format": "onsite", "visibility": "public",
         "time_zone": "Europe/Copenhagen", "starts_at": "2027-01-02T10:00",
         "ends_at": "2027-01-01T10:00", "offer_hours": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the event a title in Danish or English." in html
    assert not Event.objects.exists()


def test_staff_pages_are_for_staff(client, employee):
    event = EventFactory()
    client.force_login(employee)
    for url in (
        reverse("events:manage"),
        reverse("events:create"),
        reverse("events:edit", args=[event.slug]),
        reverse("events:check_in", args=[event.slug]),
        reverse("events:manage_registrations", args=[event.slug]),
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("rows", [1, 3])
def test_manage_list_constant_queries(client, staff, rows, django_assert_num_queries):
    for _ in range(rows):
        EventFactory()
    client.force_login(staff)
    client.get(reverse("events:manage"))
    with django_assert_num_queries(5):  # session, user, roles, count, page
        response = client.get(reverse("events:manage"))
    assert response.content.decode().count('/registrations/">') == rows


def test_check_in_by_code_and_attendance(client, staff):
    event = EventFactory(capacity=5)
    person = PersonFactory(first_name="Karin", last_name="Kode")
    registration = services.register(actor=None, event=event, person=person)
    client.force_login(staff)
    url = reverse("events:check_in", args=[event.slug])
    assert "0 of 1 have arrived." in client.get(url).content.decode()
    client.post(url, {"code": registration.code.lower()})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    html = client.get(url).content.decode()
    assert "1 of 1 have arrived." in html and "Karin Kode" in html


def test_group_registration_page(client, member_admin, member_org):
    event = EventFactory(capacity=10)
    colleagues = [
        AffiliationFactory(organisation=member_org, person__email=f"g{i}@fynsk.example").person
        for i in range(2)
    ]
    client.force_login(member_admin)
    url = reverse("events:group", args=[event.slug])
    html = client.get(url).content.decode()
    assert all(p.full_name in html for p in colleagues)
    response = client.post(url, {"people": [p.pk for p in colleagues]})
    assert response.status_code == 302
    assert set(Registration.objects.values_list("person", flat=True)) == {p.pk for p in colleagues}


@pytest.mark.urls("klynge.events.tests.urls")
def test_the_public_calendar_feed(client):
    import icalendar

    EventFactory(title="Public one", slug="public-one")
    EventFactory(title="Members", visibility="members")
    EventFactory(title="Draft", status="draft")
    response = client.get("/events.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Public one"]
    assert str(events[0]["url"]) == "http://testserver/events/public-one/"

    # The same feed under /events/feed.ics (DTSTAMP is the time of the request).
    def stamped(body):
        return re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP", body)

    assert stamped(client.get(reverse("events:ics")).content) == stamped(response.content)
    EventFactory(title="Hack", kind="hackathon")
    by_kind = icalendar.Calendar.from_ical(client.get("/events.ics?kind=hackathon").content)
    assert [str(e["summary"]) for e in by_kind.walk("VEVENT")] == ["Hack"]


def test_invited_events_are_seen_only_by_those_registered(client, employee, founder):
    event = EventFactory(title="Board dinner", visibility="invited")
    services.register(actor=None, event=event, person=Person.objects.get(user=employee))
    client.force_login(employee)
    assert client.get(event.get_absolute_url()).status_code == 200
    assert _titles(client.get(reverse("events:list")).content.decode()) == ["Board dinner"]
    client.force_login(founder)
    assert client.get(event.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
