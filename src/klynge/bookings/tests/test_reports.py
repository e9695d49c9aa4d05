"""Staff reports and their CSV exports, with exact values.

One pinned week, 2 to 8 March 2026 (ISO week 2026-W10, no daylight-saving change): a podcast
studio open Monday to Friday 08:00–18:00 with a five-hour closure, and a video wall open around
the clock. Fynsk Lyd changes tier in the middle of the week, so its bookings fall in two tiers.
"""

import datetime

import pytest
from django.urls import reverse

from klynge.accounts.tests.factories import user_with_role
from klynge.bookings import services
from klynge.bookings.tests.conftest import local
from klynge.bookings.tests.factories import ResourceFactory
from klynge.ecosystem.models import AffiliationRole
from klynge.membership.models import MembershipStatus
from klynge.membership.tests.factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

BOOKED_ON = local(2026, 3, 1, 9)
WEEK = {"start": "2026-03-02", "end": "2026-03-08"}


@pytest.fixture
def week(employee, membership, member_org, other_org, staff, studio):
    services.set_opening_hours(
        actor=staff, resource=studio, periods=[(d, 8 * 60, 18 * 60) for d in range(5)]
    )
    services.add_closure(
        actor=staff, resource=studio, start=local(2026, 3, 4, 8), end=local(2026, 3, 4, 13)
    )
    wall = ResourceFactory(name="Video wall", slug="video-wall")
    large = TierFactory(name="Large", studio_hours_per_month=40)
    MembershipFactory(organisation=other_org, tier=large, start_date=datetime.date(2026, 1, 1))
    pixel = user_with_role(AffiliationRole.EMPLOYEE, other_org, email="ola@pixel.example")

    def book(user, resource, start, end):
        return services.create_booking(
            actor=user, resource=resource, user=user, start=start, end=end, now=BOOKED_ON
        )

    monday = book(employee, studio, local(2026, 3, 2, 10), local(2026, 3, 2, 12))
    tuesday = book(employee, studio, local(2026, 3, 3, 14), local(2026, 3, 3, 15))
    # Fynsk Lyd moves up to the large tier; its earlier bookings stay in the studio tier.
    membership.status = MembershipStatus.ENDED
    membership.save()
    MembershipFactory(organisation=member_org, tier=large, start_date=datetime.date(2026, 3, 1))
    book(employee, studio, local(2026, 3, 5, 9), local(2026, 3, 5, 13))
    cancelled = book(employee, studio, local(2026, 3, 6, 8), local(2026, 3, 6, 9))
    book(staff, studio, local(2026, 3, 6, 16), local(2026, 3, 6, 18))
    book(pixel, wall, local(2026, 3, 7, 22), local(2026, 3, 8, 2))  # across midnight
    services.check_in(actor=staff, booking=monday, now=local(2026, 3, 2, 9, 55))
    services.mark_no_show(actor=staff, booking=tuesday, now=local(2026, 3, 3, 14, 30))
    late = services.cancel_booking(actor=employee, booking=cancelled, now=local(2026, 3, 5, 10))
    assert late.late_cancellation is True
    return studio, wall


def csv_lines(client, export: str) -> list[str]:
    response = client.get(reverse("bookings:reports"), {**WEEK, "export": export})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode().splitlines()


def test_the_reports_page_shows_every_report(client, staff, employee, week):
    client.force_login(employee)
    assert client.get(reverse("bookings:reports"), WEEK).status_code == 403
    client.force_login(staff)
    page = client.get(reverse("bookings:reports"), WEEK)
    assert page.status_code == 200
    assert [
        (r.resource.name, r.week, r.open_hours, r.booked_hours, r.percent)
        for r in page.context["utilisation"]
    ] == [
        ("Podcast studio", "2026-W10", 45.0, 9.0, 20.0),
        ("Video wall", "2026-W10", 168.0, 4.0, 2.4),
    ]
    assert [
        (r.organisation, r.tier, r.bookings, r.hours) for r in page.context["organisations"]
    ] == [
        ("Bergen Pixel AS", "Large", 1, 4.0),
        ("Fynsk Lyd ApS", "Large", 1, 4.0),
        ("Fynsk Lyd ApS", "Studio tier", 2, 3.0),
        ("–", "", 1, 2.0),
    ]
    assert [(r.tier, r.organisations, r.bookings, r.hours) for r in page.context["tiers"]] == [
        ("Large", 2, 2, 8.0),
        ("Studio tier", 1, 2, 3.0),
        ("–", 0, 1, 2.0),
    ]
    assert [
        (r.resource, r.bookings, r.no_shows, r.rate, r.late_cancellations)
        for r in page.context["no_shows"]
    ] == [("Podcast studio", 4, 1, 25.0, 1), ("Video wall", 1, 0, 0.0, 0)]
    html = page.content.decode()
    assert "<td>Studio tier</td><td>1</td><td>2</td><td>3.0</td>" in html


def test_the_reports_page_has_a_constant_query_count(
    client, staff, week, django_assert_num_queries
):
    client.force_login(staff)
    client.get(reverse("bookings:reports"), WEEK)
    with django_assert_num_queries(11):
        client.get(reverse("bookings:reports"), WEEK)
    ResourceFactory(name="Camera kit")
    with django_assert_num_queries(11):
        client.get(reverse("bookings:reports"), WEEK)


def test_utilisation_csv(client, staff, week):
    client.force_login(staff)
    assert csv_lines(client, "utilisation") == [
        "Resource,Week,Open hours,Booked hours,Utilisation %",
        "Podcast studio,2026-W10,45.0,9.0,20.0",
        "Video wall,2026-W10,168.0,4.0,2.4",
    ]


def test_hours_per_organisation_and_tier_csv(client, staff, week):
    client.force_login(staff)
    assert csv_lines(client, "organisations") == [
        "Organisation,Tier,Bookings,Hours,Hours past the quota",
        "Bergen Pixel AS,Large,1,4.0,0.0",
        "Fynsk Lyd ApS,Large,1,4.0,0.0",
        "Fynsk Lyd ApS,Studio tier,2,3.0,0.0",
        "–,,1,2.0,0.0",
    ]
    assert csv_lines(client, "tiers") == [
        "Tier,Organisations,Bookings,Hours,Hours past the quota",
        "Large,2,2,8.0,0.0",
        "Studio tier,1,2,3.0,0.0",
        "–,0,1,2.0,0.0",
    ]


def test_no_show_csv(client, staff, week):
    client.force_login(staff)
    assert csv_lines(client, "no_shows") == [
        "Resource,Bookings,No-shows,No-show rate %,Late cancellations",
        "Podcast studio,4,1,25.0,1",
        "Video wall,1,0,0.0,0",
    ]


def test_busiest_hours_csv(client, staff, week):
    client.force_login(staff)
    booked = {
        "Monday": [10, 11],
        "Tuesday": [14],
        "Wednesday": [],
        "Thursday": [9, 10, 11, 12],
        "Friday": [16, 17],
        "Saturday": [22, 23],
        "Sunday": [0, 1],
    }
    expected = ["Weekday," + ",".join(f"{h:02d}" for h in range(24))]
    for day, hours in booked.items():
        expected.append(",".join([day, *("1.0" if h in hours else "0.0" for h in range(24))]))
    assert csv_lines(client, "hours") == expected


def test_exports_are_in_the_callers_language(client, staff, week):
    client.force_login(staff)
    response = client.get(
        reverse("bookings:reports"), {**WEEK, "export": "tiers"}, headers={"Accept-Language": "da"}
    )
    assert response.content.decode().splitlines()[0] == (
        "Niveau,Organisationer,Bookinger,Timer,Timer ud over kvoten"
    )
