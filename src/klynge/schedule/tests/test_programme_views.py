"""The programme's second round: opening a large programme on one day, the rooms × time grid,
linking speakers to the directory and the dashboard's "My agenda" panel."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)
from klynge.schedule import selectors, views
from klynge.schedule.grid import build_grid
from klynge.schedule.models import AgendaEntry, Speaker
from klynge.schedule.tests.factories import (
    COPENHAGEN,
    EventFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _url(name, event, *args):
    return reverse(f"schedule:{name}", args=[event.slug, *args])


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def _at(day, hour, minute=0):
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=COPENHAGEN)


@pytest.fixture
def festival():
    """Three days; day 1 has two rooms, one of them with two overlapping sessions."""
    event = EventFactory(slug="fest", title="MediaTech Festival")
    sal_a = RoomFactory(event=event, name="Sal A", position=0)
    sal_b = RoomFactory(event=event, name="Sal B", position=1)
    ai = TrackFactory(event=event, name="AI")
    ida = SpeakerFactory(event=event, name="Ida Holm")
    SessionFactory(
        event=event,
        title="Opening",
        room=sal_a,
        track=ai,
        starts_at=_at(10, 9),
        duration=datetime.timedelta(minutes=60),
        speakers=[ida],
    )
    SessionFactory(
        event=event,
        title="Sound walk",
        room=sal_b,
        starts_at=_at(10, 9, 30),
        duration=datetime.timedelta(minutes=30),
    )
    SessionFactory(
        event=event,
        title="Clash",
        room=sal_a,
        starts_at=_at(10, 9, 30),
        duration=datetime.timedelta(minutes=30),
    )
    SessionFactory(event=event, title="Day two talk", room=sal_b, starts_at=_at(11, 10))
    SessionFactory(event=event, title="Late party", room=sal_b, starts_at=_at(12, 1))  # day 2
    SessionFactory(event=event, title="Day three talk", room=sal_a, starts_at=_at(12, 14))
    return event


# --------------------------------------------------------------------------------------------
# A large programme opens on one day


def test_a_small_programme_shows_every_day(client, festival):
    html = _text(client.get(_url("programme", festival)))
    assert "Opening" in html and "Day three talk" in html
    assert "6 sessions" in html


def test_a_large_programme_opens_on_its_first_day_and_keeps_all_days(client, festival, monkeypatch):
    monkeypatch.setattr(views, "LARGE_PROGRAMME", 3)
    monkeypatch.setattr(
        selectors.timezone, "now", lambda: datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    )
    url = _url("programme", festival)
    response = client.get(url)
    html = response.content.decode()
    assert "3 sessions" in _text(response)
    assert "Opening" in html and "Day two talk" not in html
    assert 'option value="2026-06-10" selected' in html
    assert 'option value="all"' in html
    # The day tabs: the current one is marked, every day and "All days" are one link away.
    assert re.search(r'href="[^"]*day=2026-06-10"[^>]*aria-current="page"', html)
    assert f'href="{url}?day=all"' in html
    assert f'href="{url}?day=2026-06-11"' in html
    all_days = _text(client.get(url, {"day": "all"}))
    assert "6 sessions" in all_days and "Day three talk" in all_days
    # "Late party" starts at 01:00 on the 12th: still the evening of the 11th.
    day_two = _text(client.get(url, {"day": "2026-06-11"}))
    assert "Day two talk" in day_two and "Late party" in day_two and "Opening" not in day_two
    # An unknown day falls back to the first one, not to the whole programme.
    assert "3 sessions" in _text(client.get(url, {"day": "2030-01-01"}))


def test_during_the_event_a_large_programme_opens_on_today(client, festival, monkeypatch):
    monkeypatch.setattr(views, "LARGE_PROGRAMME", 3)
    monkeypatch.setattr(selectors.timezone, "now", lambda: _at(12, 8))
    html = _text(client.get(_url("programme", festival)))
    assert "Day three talk" in html and "Opening" not in html
    # Before 06:00 it is still the previous programme day.
    monkeypatch.setattr(selectors.timezone, "now", lambda: _at(12, 2))
    html = _text(client.get(_url("programme", festival)))
    assert "Late party" in html and "Day three talk" not in html


def test_the_rows_link_to_the_same_addresses_as_reverse(client, employee, festival):
    client.force_login(employee)
    html = client.get(_url("programme", festival), {"day": "2026-06-10"}).content.decode()
    session = festival.sessions.get(title="Opening")
    speaker = Speaker.objects.get(name="Ida Holm")
    assert f'href="{session.get_absolute_url()}"' in html
    assert f'href="{speaker.get_absolute_url()}"' in html
    assert f'action="{_url("star", festival, session.guid)}"' in html
    assert html.count('class="inline-form"><input type="hidden" name="csrfmiddlewaretoken"') == 3
    assert 'name="next" value="/events/fest/programme/?day=2026-06-10"' in html


def test_starring_from_the_list_keeps_the_day_and_the_htmx_answer_keeps_it_too(
    client, employee, festival
):
    client.force_login(employee)
    session = festival.sessions.get(title="Opening")
    back = _url("programme", festival) + "?day=2026-06-10"
    response = client.post(_url("star", festival, session.guid), {"starred": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = client.post(
        _url("star", festival, session.guid),
        {"starred": "0", "next": back},
        headers={"HX-Request": "true"},
    )
    assert f'name="next" value="{back}"' in response.content.decode()
    assert AgendaEntry.objects.count() == 0


def test_a_day_page_has_a_constant_query_count(client, employee, django_assert_num_queries):
    event = EventFactory(slug="counted")
    room = RoomFactory(event=event)
    SessionFactory(event=event, room=room, speakers=[SpeakerFactory(event=event)])
    client.force_login(employee)
    for name in ("programme", "grid", "agenda"):
        url = _url(name, event)
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            assert client.get(url, {"day": "2026-06-10"}).status_code == 200
        for index in range(2):
            session = SessionFactory(
                event=event,
                room=RoomFactory(event=event),
                track=TrackFactory(event=event),
                title=f"{name} {index}",
                speakers=[SpeakerFactory(event=event), SpeakerFactory(event=event)],
            )
            AgendaEntry.objects.create(user=employee, session=session)
        with django_assert_num_queries(len(one.captured_queries)):
            assert client.get(url, {"day": "2026-06-10"}).status_code == 200


# --------------------------------------------------------------------------------------------
# The grid


def test_build_grid_spans_rows_and_gives_overlaps_a_second_lane(festival):
    rooms, tracks = selectors.rooms_of(festival), selectors.tracks_of(festival)
    rows = selectors.programme_rows(
        festival, rooms=rooms, tracks=tracks, day=datetime.date(2026, 6, 10)
    )
    grid = build_grid(rows, rooms=rooms, tracks=tracks, zone=COPENHAGEN, no_room="No room")
    assert [(c.name, c.lanes) for c in grid.columns] == [("Sal A", 2), ("Sal B", 1)]
    # Moments: 09:00, 09:30, 10:00 -> two rows of 30 minutes.
    assert [(r.start_hm, r.slot_class) for r in grid.rows] == [
        ("09:00", "slot-30"),
        ("09:30", "slot-30"),
    ]
    first, second = grid.rows
    assert [(c.row.title if c.row else None, c.rowspan, c.colspan) for c in first.cells] == [
        ("Opening", 2, 1),
        (None, 1, 2),  # Sal A's second lane and Sal B are empty at 09:00: one cell
    ]
    assert "track-0" in first.cells[0].css_class
    # Opening covers Sal A's first lane at 09:30.
    assert [c.row.title for c in second.cells] == ["Clash", "Sound walk"]


def test_build_grid_keeps_a_zero_length_session_and_sessions_without_a_room(festival):
    event = EventFactory()
    SessionFactory(event=event, title="Doors", room=None, duration=datetime.timedelta(0))
    rows = selectors.programme_rows(event, rooms=[], tracks=[], day=datetime.date(2026, 6, 10))
    grid = build_grid(rows, rooms=[], tracks=[], zone=COPENHAGEN, no_room="No room")
    assert [(c.name, c.lanes) for c in grid.columns] == [("No room", 1)]
    assert [(r.start_hm, r.slot_class) for r in grid.rows] == [("10:00", "slot-5")]
    assert build_grid([], rooms=[], tracks=[], zone=COPENHAGEN, no_room="-").rows == []


def test_the_grid_page_is_a_table_with_sticky_headers_from_the_stylesheet(
    client, employee, festival
):
    client.force_login(employee)
    AgendaEntry.objects.create(user=employee, session=festival.sessions.get(title="Clash"))
    response = client.get(_url("grid", festival), {"day": "2026-06-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/klynge/schedule/schedule.css" in html
    assert "style=" not in html and "<script>" not in html
    assert '<th scope="colgroup" colspan="2">Sal A</th>' in html
    assert '<th scope="col">Sal B</th>' in html
    assert re.search(
        r'<td rowspan="2" class="session track-0">\s*<a href="[^"]+">Opening</a>', html
    )
    assert '<td colspan="2"></td>' in html
    assert re.search(r'class="session starred"><a[^>]*>Clash</a>.*In my agenda', html)
    assert '<th scope="row" class="time"><time datetime="2026-06-10T09:30:00+02:00">09:30' in html
    # Day tabs, and no day (or an unknown one) opens the first day.
    assert (
        "Day two talk" in client.get(_url("grid", festival), {"day": "2026-06-11"}).content.decode()
    )
    assert "Opening" in client.get(_url("grid", festival), {"day": "nonsense"}).content.decode()


def test_every_grid_row_height_class_is_in_the_stylesheet():
    from django.contrib.staticfiles import finders

    css = open(finders.find("klynge/schedule/schedule.css"), encoding="utf-8").read()
    for minutes in range(5, 65, 5):
        assert f"tr.slot-{minutes} " in css
    for index in range(8):
        assert f"td.track-{index} " in css


def test_the_grid_of_an_empty_programme_says_so(client):
    event = EventFactory()
    response = client.get(_url("grid", event))
    assert response.status_code == 200
    assert "No sessions on this day." in response.content.decode()


def test_the_grid_follows_the_event_visibility(client, employee):
    event = EventFactory(status="draft")
    SessionFactory(event=event)
    client.force_login(employee)
    assert client.get(_url("grid", event)).status_code == 404


# --------------------------------------------------------------------------------------------
# Speakers linked to the directory


@pytest.fixture
def ida_person():
    person = PersonFactory(first_name="Ida", last_name="Holm", email="ida@fyens.example")
    AffiliationFactory(
        person=person, organisation=OrganisationFactory(name="Fyens Medier", slug="fyens")
    )
    AffiliationFactory(
        person=person,
        organisation=OrganisationFactory(
            name="Hemmelig Startup", slug="hemmelig", membership_status="prospect"
        ),
    )
    return person


def test_staff_search_the_directory_by_name_or_email_and_link_a_speaker(
    client, staff, festival, ida_person
):
    PersonFactory(first_name="Anders", last_name="Holm", email="anders@example.org")
    PersonFactory(first_name="Ida", last_name="Gone", erased_at=datetime.datetime.now(datetime.UTC))
    speaker = Speaker.objects.get(name="Ida Holm")
    url = _url("speaker_person", festival, speaker.pk)
    client.force_login(staff)
    # Opens with the speaker's name as the search.
    html = _text(client.get(url))
    assert "Ida Holm ida@fyens.example Fyens Medier, Hemmelig Startup" in html
    assert "Anders" not in html and "Gone" not in html
    assert "anders@example.org" in _text(client.get(url, {"q": "ANDERS@example"}))
    assert "Nobody in the directory matches “zz”." in _text(client.get(url, {"q": "zz"}))

    response = client.post(url, {"person": ida_person.pk})
    assert response.status_code == 302 and response["Location"] == speaker.get_absolute_url()
    speaker.refresh_from_db()
    assert speaker.person == ida_person
    entry = AuditEntry.objects.get(action="schedule.speaker.update")
    assert (entry.actor, entry.data["person"]) == (staff, ida_person.pk)
    assert "Linked to Ida Holm in the directory." in _text(client.get(speaker.get_absolute_url()))

    assert client.post(url, {"person": "999999"}).status_code == 400
    speaker.refresh_from_db()
    assert speaker.person == ida_person
    response = client.post(url, {"person": ""})
    speaker.refresh_from_db()
    assert response.status_code == 302 and speaker.person is None


@pytest.mark.parametrize("role", [None, "employee", "member_admin"])
def test_only_staff_link_speakers(client, request, festival, ida_person, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    speaker = Speaker.objects.get(name="Ida Holm")
    url = _url("speaker_person", festival, speaker.pk)
    assert client.get(url).status_code == (302 if role is None else 403)
    client.post(url, {"person": ida_person.pk})
    speaker.refresh_from_db()
    assert speaker.person is None


def test_the_speaker_page_shows_the_organisations_the_viewer_may_see(
    client, staff, festival, ida_person
):
    speaker = Speaker.objects.get(name="Ida Holm")
    speaker.person = ida_person
    speaker.save()
    html = client.get(speaker.get_absolute_url()).content.decode()
    fyens = ida_person.affiliations.get(organisation__slug="fyens").organisation
    assert f'<a href="{fyens.get_absolute_url()}">Fyens Medier</a>' in html
    assert "Hemmelig Startup" not in html  # a prospect is not public
    assert "Link to a person in the directory" not in html
    client.force_login(staff)
    html = client.get(speaker.get_absolute_url()).content.decode()
    assert "Fyens Medier" in html and "Hemmelig Startup" in html
    assert "Link to a person in the directory" in html


# --------------------------------------------------------------------------------------------
# The dashboard panel


def test_my_agenda_panel_lists_coming_sessions_only(client, employee, student, monkeypatch):
    now = _at(10, 9, 45)
    monkeypatch.setattr(selectors.timezone, "now", lambda: now)
    event = EventFactory(slug="panel-fest", title="Panel Festival")
    room = RoomFactory(event=event, name="Sal P")
    over = SessionFactory(event=event, title="Already over", starts_at=_at(10, 8))
    running = SessionFactory(event=event, title="Running now", starts_at=_at(10, 9, 30), room=room)
    later = SessionFactory(event=event, title="Later today", starts_at=_at(10, 14))
    hidden = SessionFactory(event=EventFactory(status="draft"), title="Draft talk")
    cancelled = SessionFactory(event=EventFactory(status="cancelled"), title="Cancelled talk")
    for session in (over, running, later, hidden, cancelled):
        AgendaEntry.objects.create(user=employee, session=session)
    AgendaEntry.objects.create(
        user=student, session=SessionFactory(event=event, title="Not mine", starts_at=_at(11, 9))
    )
    client.force_login(employee)
    response = client.get(reverse("core:dashboard"))
    html = response.content.decode()
    panel = html[html.index('id="panel-my_agenda"') :]
    panel = _text_of(panel[: panel.index("</article>")])
    assert "Running now now" in panel
    assert "Wed 10. Jun 09:30–10:15 · Sal P · Panel Festival" in panel
    assert panel.index("Running now") < panel.index("Later today")
    for absent in ("Already over", "Draft talk", "Cancelled talk", "Not mine"):
        assert absent not in panel


def test_my_agenda_panel_without_sessions(client, employee):
    client.force_login(employee)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "No sessions coming up in your agenda." in html


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()
