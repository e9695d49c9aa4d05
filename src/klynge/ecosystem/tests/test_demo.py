import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from klynge.accounts.models import User
from klynge.accounts.roles import Role, roles_for
from klynge.core.models import AuditEntry
from klynge.ecosystem.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin, _working_day, load_demo
from klynge.ecosystem.models import (
    Affiliation,
    MembershipStatus,
    Organisation,
    Person,
    TripleHelix,
)
from klynge.events.models import Event, EventStatus, Visibility
from klynge.membership.models import Membership

OSLO = ZoneInfo("Europe/Oslo")


def model_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_the_logins_are_the_contract():
    assert DEMO_PASSWORD == "klynge-demo-2026"
    assert DEMO_LOGINS == [
        DemoLogin("admin@klynge.example", "staff_admin", "ecosystem_overview"),
        DemoLogin("staff@klynge.example", "staff", "ecosystem_overview"),
        DemoLogin("member-admin@klynge.example", "member_admin", "administered_organisations"),
        DemoLogin("employee@klynge.example", "member_employee", "my_organisation"),
        DemoLogin("student@klynge.example", "student", "talent"),
        DemoLogin("founder@klynge.example", "founder", "my_startup"),
    ]
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)


@pytest.mark.django_db
def test_every_login_signs_in_with_the_demo_password_and_has_its_role():
    load_demo()
    request = RequestFactory().post("/accounts/login/")
    for login in DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        assert user.check_password(DEMO_PASSWORD)
        assert authenticate(request, email=login.email, password=DEMO_PASSWORD) == user
        assert roles_for(user).has(login.role), login
        person = Person.objects.get(user=user)
        assert person.email == login.email
        assert person.first_name and person.last_name
        assert user.name == person.full_name

    admin = User.objects.get(email="admin@klynge.example")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    staff = User.objects.get(email="staff@klynge.example")
    assert (staff.is_staff, staff.is_superuser) == (True, False)
    assert roles_for(staff).ordered == [Role.STAFF]
    for email in ("member-admin", "employee", "student", "founder"):
        user = User.objects.get(email=f"{email}@klynge.example")
        assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.django_db
def test_the_logins_belong_to_the_named_organisations():
    load_demo()

    def tie(email):
        return Affiliation.objects.select_related("organisation").get(person__email=email)

    member_admin = tie("member-admin@klynge.example")
    assert (member_admin.organisation.name, member_admin.role) == ("TV 2 Danmark", "member_admin")
    assert member_admin.organisation.membership_status == MembershipStatus.MEMBER
    assert tie("employee@klynge.example").organisation.name == "TV 2 Danmark"
    student = tie("student@klynge.example")
    assert (student.organisation.name, student.role) == ("Syddansk Universitet", "student")
    founder = tie("founder@klynge.example")
    assert (founder.organisation.name, founder.role) == ("Factiverse", "founder")
    assert founder.organisation.kind == "startup"
    assert tie("staff@klynge.example").organisation.slug == "media-city-odense"


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    first = load_demo()
    assert first.created_anything
    counts = model_counts()
    second = load_demo()
    assert not second.created_anything
    assert model_counts() == counts
    assert AuditEntry.objects.filter(action="ecosystem.organisation.create").count() == (
        Organisation.objects.count()
    )


@pytest.mark.django_db
def test_the_membership_is_a_believable_triple_helix():
    load_demo()
    members = Organisation.objects.filter(membership_status=MembershipStatus.MEMBER)
    assert members.count() >= 15
    helices = {organisation.triple_helix for organisation in members}
    assert {TripleHelix.INDUSTRY, TripleHelix.ACADEMIA, TripleHelix.PUBLIC} <= helices
    statuses = set(Organisation.objects.values_list("membership_status", flat=True))
    assert {"member", "prospect", "partner"} <= statuses
    assert Organisation.objects.get(slug="media-city-odense").kind == "cluster"
    assert Organisation.objects.get(name="Factiverse").membership_status == "member"
    for organisation in members:
        generated = organisation.affiliations.filter(person__user__isnull=True)
        assert 3 <= generated.values("person").distinct().count() <= 5, organisation
    emails = Person.objects.values_list("email", flat=True)
    assert all(email.endswith(".example") for email in emails)
    names = {(p.first_name, p.last_name) for p in Person.objects.all()}
    assert len(names) == Person.objects.count()
    for real in ("Dyrehauge", "Drud", "Birgersdotter", "Jacobsen", "Black", "Sandnes"):
        assert not Person.objects.filter(last_name=real).exists()


@pytest.mark.django_db
def test_the_2020_events_have_the_dates_of_the_review():
    load_demo()
    expected = {
        "mcb-tech-20-online": datetime.date(2020, 6, 11),
        "digitalt-frokostmote-redaksjonell-innovasjon": datetime.date(2020, 8, 19),
        "ai-for-leaders": datetime.date(2020, 8, 25),
        "slik-dekker-vi-valget": datetime.date(2020, 10, 22),
        "nce-media-christmas-special-2020": datetime.date(2020, 12, 15),
        "vizrt-the-election-story": datetime.date(2020, 12, 17),
    }
    for slug, day in expected.items():
        event = Event.objects.get(slug=slug)
        assert event.starts_at.astimezone(OSLO).date() == day, slug
        assert event.status == EventStatus.PUBLISHED
    jolab = Event.objects.get(slug="jolab-bellingcat-workshop-2020")
    assert (jolab.starts_at.astimezone(OSLO).year, jolab.starts_at.astimezone(OSLO).month) == (
        2020,
        1,
    )
    for slug in ("media-cluster-10-years", "digitalt-frokostmote-fakenews", "cracking-the-ai-code"):
        assert Event.objects.get(slug=slug).starts_at.year == 2020
    assert Event.objects.get(slug="ai-for-leaders").organiser.name == "Norwegian Cognitive Center"
    assert Event.objects.get(slug="vizrt-the-election-story").organiser.slug == "media-city-bergen"
    assert Event.objects.filter(starts_at__year=2020).count() == 10


@pytest.mark.django_db
def test_upcoming_events_by_media_city_odense():
    load_demo()
    upcoming = Event.objects.filter(starts_at__year__gt=2020)
    assert upcoming.count() == 6
    assert {event.kind for event in upcoming} == {
        "breakfast_seminar",
        "workshop",
        "course",
        "hackathon",
        "member_meeting",
        "conference",
    }
    assert {event.organiser.slug for event in upcoming} == {"media-city-odense"}
    assert all(event.status == EventStatus.PUBLISHED for event in upcoming)
    assert upcoming.filter(visibility=Visibility.MEMBERS).count() == 1
    festival = Event.objects.get(slug="mediatech-festival")
    assert (festival.ends_at - festival.starts_at).days >= 2


@pytest.mark.django_db
def test_the_command_prints_the_logins_every_time():
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "Created" in out.getvalue()
    counts = model_counts()
    for args in (["--if-empty"], []):
        out = StringIO()
        call_command("load_demo", *args, stdout=out)
        text = out.getvalue()
        assert DEMO_PASSWORD in text
        for login in DEMO_LOGINS:
            assert login.email in text
            assert login.role in text
        assert "Not in this database" not in text
    assert model_counts() == counts


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_ecosystem_alone():
    Organisation.objects.create(
        name="Fynsk Lyd ApS", slug="fynsk-lyd", kind="company", country="DK"
    )
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert Organisation.objects.count() == 1
    assert not User.objects.exists()
    assert "admin@klynge.example" in out.getvalue()
    assert "Not in this database" in out.getvalue()


@pytest.mark.django_db
def test_upcoming_events_fall_on_working_days_in_the_future():
    load_demo()
    today = timezone.localdate()
    for event in Event.objects.filter(organiser__slug="media-city-odense"):
        day = event.starts_at.astimezone(ZoneInfo("Europe/Copenhagen")).date()
        assert day > today
        assert day.weekday() in (1, 2, 3), event
        assert day.month != 7
        assert not ((day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 6)), event


def test_working_days_skip_weekends_and_holidays():
    assert _working_day(datetime.date(2026, 11, 22)) == datetime.date(2026, 11, 24)
    assert _working_day(datetime.date(2026, 12, 25)) == datetime.date(2027, 1, 7)
    assert _working_day(datetime.date(2027, 7, 1)) == datetime.date(2027, 8, 3)


@pytest.mark.django_db
def test_the_command_adds_memberships_crm_and_ties_and_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    call_command("load_demo", stdout=StringIO())
    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == counts
    members = Organisation.objects.filter(membership_status="member")
    # One current membership per member (the insights demo adds their earlier years as ended ones).
    assert Membership.objects.filter(status="active").count() == members.count()
    assert counts["membership.Tier"] == 5
    assert counts["ecosystem.OrganisationRelation"] == 26
    assert counts["crm.Account"] > 0
    assert Organisation.objects.get(slug="tv-2-danmark").region == "Syddanmark"
