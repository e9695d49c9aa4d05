"""A partner's public .ics calendar imported into ours: the real FabLab Cottbus calendar
(../shared/data/ics/, 28 events, one of them repeating on the first Saturday of every month)."""

import datetime
import json
import zoneinfo
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory
from klynge.events import external, services
from klynge.events.models import CalendarSource, Event
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

ICS = Path(__file__).resolve().parents[5] / "shared" / "data" / "ics" / "fablab_cottbus.ics"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SINCE = datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC)
UNTIL = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
REPAIR_CAFE = "ai1ec-1887@blog.fablab-cottbus.de"


@pytest.fixture
def feed() -> bytes:
    if not ICS.exists():
        pytest.skip(f"the shared calendar data is missing ({ICS})")
    return ICS.read_bytes()


@pytest.fixture
def source(db):
    partner = OrganisationFactory(name="FabLab Cottbus e.V.", membership_status="partner")
    return CalendarSource.objects.create(name="FabLab Cottbus", organiser=partner, kind="workshop")


def _first_saturdays(since, until) -> list[datetime.datetime]:
    """14:00 in Berlin on the first Saturday of every month, for the Repair Cafés (14:00 to
    17:00) that overlap the window from `since` to `until`."""
    found = []
    day = (since - datetime.timedelta(days=1)).astimezone(BERLIN).date().replace(day=1)
    while day <= until.date():
        saturday = day + datetime.timedelta(days=(5 - day.weekday()) % 7)
        start = datetime.datetime.combine(saturday, datetime.time(14), tzinfo=BERLIN)
        if start + datetime.timedelta(hours=3) > since and start < until:
            found.append(start.astimezone(datetime.UTC))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return found


def test_the_whole_calendar_with_its_recurrences_and_again_without_change(feed, source):
    result = external.import_calendar(
        actor=None, source=source, data=feed, since=SINCE, until=UNTIL
    )
    repeats = _first_saturdays(datetime.datetime(2018, 1, 6, tzinfo=datetime.UTC), UNTIL)
    assert len(repeats) == 24
    assert result.as_dict() == {
        "created": 27 + 24, "updated": 0, "unchanged": 0, "removed": 0, "skipped": 0,
    }  # fmt: skip
    events = Event.objects.filter(source=source)
    cafe = events.filter(external_uid__startswith=REPAIR_CAFE).order_by("starts_at")
    # Every occurrence at 14:00 in Berlin, in winter (UTC+1) and summer time (UTC+2) alike.
    assert [e.starts_at for e in cafe] == repeats
    assert {e.ends_at - e.starts_at for e in cafe} == {datetime.timedelta(hours=3)}
    first = cafe.first()
    assert (first.title, first.venue, first.address, first.external_url, first.kind) == (
        "Repair Café",
        "FabLab Cottbus",
        "Walther-Pauer-Straße 5, 03044 Cottbus, Deutschland",
        "http://blog.fablab-cottbus.de/Veranstaltung/repair-cafe-2/",
        "workshop",
    )
    assert (first.status, first.visibility, first.organiser, first.time_zone) == (
        "published", "public", source.organiser, "Europe/Berlin",
    )  # fmt: skip
    assert first.external_uid == f"{REPAIR_CAFE}#20180106T130000Z"
    assert first.slug == "repair-cafe-2018-01-06"
    # An all-day event runs from midnight to midnight in Berlin.
    closed = events.get(external_uid="ai1ec-1862@blog.fablab-cottbus.de")
    assert (closed.starts_at, closed.ends_at) == (
        datetime.datetime(2018, 6, 9, tzinfo=BERLIN),
        datetime.datetime(2018, 6, 10, tzinfo=BERLIN),
    )
    assert closed.description.startswith("Wir sind auf dem Karlstraßenfest")

    again = external.import_calendar(actor=None, source=source, data=feed, since=SINCE, until=UNTIL)
    assert again.as_dict() == {
        "created": 0, "updated": 0, "unchanged": 51, "removed": 0, "skipped": 0,
    }  # fmt: skip
    assert Event.objects.filter(source=source).count() == 51
    source.refresh_from_db()
    assert source.last_result["unchanged"] == 51


def test_a_changed_feed_updates_and_removes(feed, source):
    external.import_calendar(actor=None, source=source, data=feed, since=SINCE, until=UNTIL)
    closed = Event.objects.get(external_uid="ai1ec-1862@blog.fablab-cottbus.de")
    start = feed.index(b"BEGIN:VEVENT\r\nUID:ai1ec-1862@")
    end = feed.index(b"END:VEVENT\r\n", start) + len(b"END:VEVENT\r\n")
    changed = (feed[:start] + feed[end:]).replace(
        b"SUMMARY:Repair Caf\xc3\xa9", b"SUMMARY:Repair Caf\xc3\xa9 und Kaffee"
    )
    result = external.import_calendar(
        actor=None, source=source, data=changed, since=SINCE, until=UNTIL
    )
    # The monthly Repair Café (24 occurrences) and a one-off Repair Café were renamed.
    assert result.as_dict() == {
        "created": 0, "updated": 25, "unchanged": 25, "removed": 1, "skipped": 0,
    }  # fmt: skip
    assert not Event.objects.filter(pk=closed.pk).exists()
    titles = set(
        Event.objects.filter(external_uid__startswith=REPAIR_CAFE).values_list("title", flat=True)
    )
    assert titles == {"Repair Café und Kaffee"}


def test_the_default_window_brings_the_coming_occurrences(feed, source):
    """By default a year back and a year ahead: the monthly Repair Café goes on forever."""
    now = timezone.now()
    external.import_calendar(actor=None, source=source, data=feed)
    starts = list(
        Event.objects.filter(source=source)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    expected = _first_saturdays(
        now - datetime.timedelta(days=365), now + datetime.timedelta(days=365)
    )
    assert starts == expected


def test_bad_files_are_refused_and_change_nothing(source):
    for data in (b"not a calendar", b"BEGIN:VCARD\r\nEND:VCARD\r\n", b"\xff\xfe\x00"):
        with pytest.raises(ValidationError) as error:
            external.import_calendar(actor=None, source=source, data=data)
        assert list(error.value.message_dict) == ["file"]
    assert not Event.objects.exists()
    with pytest.raises(ValidationError) as error:
        external.fetch_calendar("file:///etc/passwd")
    assert error.value.message_dict == {"url": ["Give an http or https address."]}


def test_nobody_registers_here_for_a_partners_event(feed, source, staff):
    external.import_calendar(actor=None, source=source, data=feed)
    event = Event.objects.filter(source=source).order_by("starts_at").last()
    for actor in (None, staff):
        with pytest.raises(ValidationError) as error:
            services.register(actor=actor, event=event, person=PersonFactory())
        assert error.value.messages == [
            "This is a partner's event: register on the organiser's page."
        ]


def test_staff_add_a_partner_calendar_check_and_import_it(client, staff, feed):
    client.force_login(staff)
    url = reverse("events:partners")
    assert client.post(url, {"name": "", "kind": "workshop"}).status_code == 400
    response = client.post(url, {"name": "FabLab Cottbus", "kind": "workshop"})
    assert response.status_code == 302
    source = CalendarSource.objects.get()
    import_url = reverse("events:partner_import", args=[source.pk])
    # No address and no file: a clear message on the file field.
    response = client.post(import_url, {})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "file": ["Upload the calendar file: this partner has no address."]
    }
    garbage = SimpleUploadedFile("x.ics", b"hello", content_type="text/calendar")
    response = client.post(import_url, {"file": garbage})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]
    upload = SimpleUploadedFile("fablab.ics", feed, content_type="text/calendar")
    response = client.post(import_url, {"file": upload, "dry_run": "on"})
    assert response.status_code == 200
    checked = response.context["result"].as_dict()
    assert checked["created"] == len(_first_saturdays(*_window()))
    assert not Event.objects.exists()
    upload = SimpleUploadedFile("fablab.ics", feed, content_type="text/calendar")
    response = client.post(import_url, {"file": upload}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"FabLab Cottbus: {checked['created']} new, 0 changed, 0 unchanged, 0 removed."
    ]
    assert f'data-source="{source.pk}"' in response.content.decode()
    # The public calendar shows them as partner events; the page sends people to the partner.
    client.logout()
    listing = client.get(reverse("events:list")).content.decode()
    upcoming = Event.objects.filter(source=source, ends_at__gte=timezone.now()).count()
    assert upcoming >= 11  # the first Saturdays of the coming year
    assert listing.count("(Partner event)") == upcoming
    event = Event.objects.filter(source=source).order_by("starts_at").first()
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'id="partner-event"' in page
    assert 'href="http://blog.fablab-cottbus.de/Veranstaltung/repair-cafe-2/"' in page
    assert "Sign in to register" not in page
    # Removing the partner calendar removes its events.
    client.force_login(staff)
    client.post(reverse("events:partner_remove", args=[source.pk]))
    assert not Event.objects.exists()


def test_the_partner_calendars_page_lists_them_by_name_with_their_event_counts(client, staff):
    # Created in the reverse of their names' order: the page's count of events groups the
    # query, and a grouped query leaves the model's ordering out.
    zeta = CalendarSource.objects.create(name="Zeta Makers", kind="workshop")
    alpha = CalendarSource.objects.create(name="Alpha Lab", kind="workshop")
    EventFactory(source=zeta, external_uid="zeta-1")
    EventFactory(source=zeta, external_uid="zeta-2")
    EventFactory(source=alpha, external_uid="alpha-1")
    client.force_login(staff)
    response = client.get(reverse("events:partners"))
    assert [(s.name, s.event_count) for s in response.context["sources"]] == [
        ("Alpha Lab", 1),
        ("Zeta Makers", 2),
    ]


def _window():
    now = timezone.now()
    return now - datetime.timedelta(days=365), now + datetime.timedelta(days=365)


def test_the_command_creates_the_partner_and_imports(feed, tmp_path):
    path = tmp_path / "fablab.ics"
    path.write_bytes(feed)
    partner = OrganisationFactory(slug="fablab-cottbus")
    out = StringIO()
    args = ["FabLab Cottbus", str(path), "--since", "2016-01-01", "--until", "2020-01-01"]
    call_command("import_calendar", *args, "--organiser", "fablab-cottbus", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 51, "updated": 0, "unchanged": 0, "removed": 0, "skipped": 0,
    }  # fmt: skip
    out = StringIO()
    call_command("import_calendar", *args, stdout=out)
    assert out.getvalue().strip() == "FabLab Cottbus: 0 new, 0 changed, 51 unchanged, 0 removed."
    assert CalendarSource.objects.get().organiser == partner
    assert Event.objects.filter(organiser=partner).count() == 51
