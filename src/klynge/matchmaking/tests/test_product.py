"""Pages, API, feedback, introductions and outcomes on the real database."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.ecosystem.models import AffiliationRole, OrganisationRelation, Tag
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory
from klynge.events.models import Event
from klynge.matchmaking import services
from klynge.matchmaking.index import rebuild_index
from klynge.matchmaking.models import Feedback, Introduction, Match, MatchStep

pytestmark = pytest.mark.django_db


def _tag(name):
    return Tag.objects.get_or_create(name=name)[0]


@pytest.fixture
def ecosystem(member_org, other_org):
    """member_org (Fynsk Lyd) needs a studio; Bergen Pixel offers one; a university does
    research on audio; a prospect (not public) offers a studio too."""
    member_org.description_en = "Sound design and podcast production"
    member_org.save()
    member_org.needs.add(_tag("studio"))
    other_org.description_en = "Podcast studio and sound production in Bergen"
    other_org.save()
    other_org.offers.add(_tag("studio"))
    university = OrganisationFactory(
        name="Audio Lab University", slug="audio-lab", kind="university"
    )
    university.competences.add(_tag("audio"))
    hidden = OrganisationFactory(name="Secret Studio", slug="secret", membership_status="prospect")
    hidden.offers.add(_tag("studio"))
    return {"member": member_org, "other": other_org, "university": university, "hidden": hidden}


def _url(org, query=""):
    return reverse("matchmaking:organisation", args=[org.slug]) + (f"?{query}" if query else "")


def test_page_for_an_employee_shows_reasons_and_hides_prospects(client, employee, ecosystem):
    client.force_login(employee)
    response = client.get(_url(ecosystem["member"]))
    assert response.status_code == 200
    names = [s.organisation.name for s in response.context["suggestions"]]
    assert names == ["Bergen Pixel AS", "Audio Lab University"]
    assert "You look for studio; they offer it." in response.context["suggestions"][0].reasons
    assert "You look for studio; they offer it." in response.content.decode()


def test_staff_see_any_organisation_and_prospects(client, staff, ecosystem):
    client.force_login(staff)
    response = client.get(_url(ecosystem["member"]))
    names = [s.organisation.name for s in response.context["suggestions"]]
    assert names == ["Bergen Pixel AS", "Secret Studio", "Audio Lab University"]


def test_filters_are_kept_in_the_url_and_htmx_gets_the_list(client, employee, ecosystem):
    client.force_login(employee)
    response = client.get(
        _url(ecosystem["member"], "kind=university"), headers={"HX-Request": "true"}
    )
    assert [s.organisation.name for s in response.context["suggestions"]] == [
        "Audio Lab University"
    ]
    assert response.templates[0].name == "matchmaking/partials/list.html"
    response = client.get(_url(ecosystem["member"], "country=NO&members=on"))
    assert [s.organisation.name for s in response.context["suggestions"]] == ["Bergen Pixel AS"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("member_admin", 200), ("employee", 200), ("staff", 200), ("student", 403), ("founder", 403)],
)
def test_permissions_per_role(client, request, ecosystem, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(ecosystem["member"])).status_code == status


def test_employee_of_another_organisation_is_refused(client, ecosystem):
    from klynge.accounts.tests.factories import user_with_role

    outsider = user_with_role(AffiliationRole.EMPLOYEE, ecosystem["other"], email="x@pixel.example")
    client.force_login(outsider)
    assert client.get(_url(ecosystem["member"])).status_code == 403
    assert client.get(_url(ecosystem["other"])).status_code == 200


def test_anonymous_is_sent_to_login(client, ecosystem):
    response = client.get(_url(ecosystem["member"]))
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_feedback_is_kept_and_not_useful_hides(client, employee, ecosystem):
    client.force_login(employee)
    member, other = ecosystem["member"], ecosystem["other"]
    response = client.post(
        reverse("matchmaking:feedback", args=[member.slug]) + "?kind=company",
        {"partner": other.pk, "useful": "1"},
    )
    assert (response.status_code, response["Location"]) == (302, _url(member, "kind=company"))
    assert list(Feedback.objects.values_list("user", "partner", "useful")) == [
        (employee.pk, other.pk, True)
    ]
    assert client.get(_url(member)).context["suggestions"][0].useful is True
    client.post(
        reverse("matchmaking:feedback", args=[member.slug]), {"partner": other.pk, "useful": "0"}
    )
    assert list(Feedback.objects.values_list("useful", flat=True)) == [False]
    names = [s.organisation.name for s in client.get(_url(member)).context["suggestions"]]
    assert names == ["Audio Lab University"]
    assert AuditEntry.objects.filter(action="matchmaking.feedback.give").count() == 2


def test_introduction_is_brokered_by_staff(
    client, employee, staff, ecosystem, django_capture_on_commit_callbacks
):
    member, other = ecosystem["member"], ecosystem["other"]
    AffiliationFactory(
        person=PersonFactory(email="contact@pixel.example"),
        organisation=other,
        role=AffiliationRole.CONTACT,
    )
    client.force_login(employee)
    client.post(
        reverse("matchmaking:introduce", args=[member.slug]),
        {"partner": other.pk, "message": "Studio"},
    )
    introduction = Introduction.objects.get()
    assert (introduction.organisation, introduction.partner, introduction.status) == (
        member,
        other,
        "pending",
    )
    # A second request for the same pair is refused while one waits.
    with pytest.raises(ValidationError):
        services.request_introduction(actor=employee, organisation=member, partner=other)
    assert client.get(reverse("matchmaking:introductions")).status_code == 403

    client.force_login(staff)
    assert list(client.get(reverse("matchmaking:introductions")).context["pending"]) == [
        introduction
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matchmaking:accept", args=[introduction.pk]), {"note": "Meet at the studio"}
        )
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert (introduction.status, introduction.note, introduction.decided_by) == (
        "accepted",
        "Meet at the studio",
        staff,
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@pixel.example", "emp@fynsklyd.example"]
    assert all("Meet at the studio" in m.body for m in mail.outbox)
    # Deciding twice is refused.
    with pytest.raises(ValidationError):
        services.decline_introduction(actor=staff, introduction=introduction, reason="no")


def test_decline_needs_a_reason(
    client, staff, employee, ecosystem, django_capture_on_commit_callbacks
):
    introduction = services.request_introduction(
        actor=employee, organisation=ecosystem["member"], partner=ecosystem["other"]
    )
    client.force_login(staff)
    response = client.post(reverse("matchmaking:decline", args=[introduction.pk]), {"reason": ""})
    assert response.status_code == 400
    introduction.refresh_from_db()
    assert introduction.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("matchmaking:decline", args=[introduction.pk]),
            {"reason": "They are not taking partners"},
        )
    introduction.refresh_from_db()
    assert (introduction.status, introduction.reason) == (
        "declined",
        "They are not taking partners",
    )
    assert [m.to for m in mail.outbox] == [["emp@fynsklyd.example"]]


def test_record_outcome_funnel_per_event_and_year(staff, ecosystem):
    member, other, university = ecosystem["member"], ecosystem["other"], ecosystem["university"]
    event = Event.objects.create(
        title="Media Day",
        slug="media-day",
        kind="conference",
        format="physical",
        starts_at=datetime.datetime(2025, 5, 1, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2025, 5, 1, 17, tzinfo=datetime.UTC),
    )
    day = datetime.date(2025, 5, 1)
    match = services.record_outcome(
        actor=staff,
        organisation_a=other,
        organisation_b=member,
        stage="met",
        origin="meeting",
        event=event,
        reached_on=day,
    )
    assert (match.organisation_a, match.organisation_b) == (member, other)  # stored in pk order
    services.record_outcome(
        actor=staff,
        organisation_a=member,
        organisation_b=other,
        stage="application",
        origin="meeting",
        event=event,
        reached_on=datetime.date(2025, 9, 1),
    )
    # Recording an earlier stage later does not move the match back; recording twice is idempotent.
    services.record_outcome(
        actor=staff,
        organisation_a=member,
        organisation_b=other,
        stage="follow_up",
        event=event,
        reached_on=day,
    )
    services.record_outcome(
        actor=staff,
        organisation_a=member,
        organisation_b=other,
        stage="follow_up",
        event=event,
        reached_on=day,
    )
    services.record_outcome(
        actor=None,
        organisation_a=member,
        organisation_b=university,
        stage="met",
        origin="recommendation",
        reached_on=datetime.date(2024, 3, 1),
    )
    match.refresh_from_db()
    assert (match.stage, match.stage_on) == ("application", datetime.date(2025, 9, 1))
    assert list(MatchStep.objects.filter(match=match).values_list("stage", flat=True)) == [
        "met",
        "follow_up",
        "application",
    ]
    assert Match.objects.count() == 2
    with pytest.raises(ValidationError):
        services.record_outcome(
            actor=staff, organisation_a=member, organisation_b=member, stage="met"
        )
    with pytest.raises(ValidationError):
        services.record_outcome(
            actor=staff, organisation_a=member, organisation_b=other, stage="won"
        )

    from klynge.matchmaking.selectors import outcome_funnel

    funnel = outcome_funnel()
    assert funnel["by_event"] == [
        {"event": "Media Day", "event_id": event.pk, "counts": [1, 1, 1, 1, 1, 0]},
        {"event": "", "event_id": None, "counts": [1, 1, 0, 0, 0, 0]},
    ]
    assert funnel["by_year"] == [
        {"year": 2024, "counts": [1, 1, 0, 0, 0, 0]},
        {"year": 2025, "counts": [1, 1, 1, 1, 1, 0]},
    ]
    assert funnel["total"] == [2, 2, 1, 1, 1, 0]

    from klynge.matchmaking.selectors import funnel as funnel_for

    assert funnel_for(year=2024)["total"] == [1, 1, 0, 0, 0, 0]
    assert funnel_for(event=event)["by_year"] == [{"year": 2025, "counts": [1, 1, 1, 1, 1, 0]}]
    assert funnel_for(year=2023)["total"] == [0, 0, 0, 0, 0, 0]


def test_outcomes_page_staff_only_and_form(client, staff, employee, ecosystem):
    client.force_login(employee)
    assert client.get(reverse("matchmaking:outcomes")).status_code == 403
    client.force_login(staff)
    response = client.post(
        reverse("matchmaking:outcomes"),
        {
            "organisation_a": ecosystem["member"].pk,
            "organisation_b": 999999,
            "stage": "met",
            "origin": "other",
        },
    )
    assert response.status_code == 400
    assert Match.objects.count() == 0
    response = client.post(
        reverse("matchmaking:outcomes"),
        {
            "organisation_a": ecosystem["member"].pk,
            "organisation_b": ecosystem["other"].pk,
            "stage": "funded",
            "origin": "other",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("matchmaking:outcomes")).context["funnel"]["total"] == [
        1,
        1,
        1,
        1,
        1,
        1,
    ]


def test_api_contract_and_permissions(api_client, employee, student, ecosystem):
    member = ecosystem["member"]
    url = f"/api/v1/matchmaking/recommendations?organisation={member.pk}&k=1"
    response = api_client(employee).get(url)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["items"]
    assert len(body["items"]) == 1
    item = body["items"][0]
    assert (item["organisation"], item["name"]) == (ecosystem["other"].pk, "Bergen Pixel AS")
    assert "You look for studio; they offer it." in item["reasons"]
    assert isinstance(item["score"], float)
    assert api_client(student).get(url).status_code == 403
    from django.test import Client

    assert Client().get(url).status_code == 401
    assert api_client(employee).get(url.replace("k=1", "k=0")).status_code == 422


def test_api_feedback_and_introductions(api_client, employee, staff, ecosystem):
    member, other = ecosystem["member"], ecosystem["other"]
    client = api_client(employee)
    response = client.post(
        "/api/v1/matchmaking/feedback",
        {"organisation": member.pk, "partner": other.pk, "useful": False},
        content_type="application/json",
    )
    assert (response.status_code, response.json()) == (
        200,
        {"organisation": member.pk, "partner": other.pk, "useful": False},
    )
    response = client.post(
        "/api/v1/matchmaking/introductions",
        {"organisation": member.pk, "partner": member.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"partner": ["Choose another organisation than your own."]}
    response = client.post(
        "/api/v1/matchmaking/introductions",
        {"organisation": member.pk, "partner": other.pk, "message": "Hej"},
        content_type="application/json",
    )
    assert response.status_code == 201
    introduction = response.json()
    assert (introduction["status"], introduction["message"]) == ("pending", "Hej")
    assert client.get("/api/v1/matchmaking/introductions").status_code == 403
    staff_client = api_client(staff)
    assert [i["id"] for i in staff_client.get("/api/v1/matchmaking/introductions").json()] == [
        introduction["id"]
    ]
    response = staff_client.post(
        f"/api/v1/matchmaking/introductions/{introduction['id']}/decline",
        {"reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = staff_client.post(
        f"/api/v1/matchmaking/introductions/{introduction['id']}/accept",
        {"note": "Go"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["status"]) == (200, "accepted")


def test_person_recommendations_use_interests(client, employee, ecosystem):
    person = employee.person
    person.interests.add(_tag("audio"))
    client.force_login(employee)
    response = client.get(reverse("matchmaking:mine"))
    suggestions = response.context["suggestions"]
    assert [s.organisation.name for s in suggestions] == ["Bergen Pixel AS", "Audio Lab University"]
    assert suggestions[1].reasons[0] == "Matches your interest in audio."


def test_graph_reasons_from_relations_and_events(employee, ecosystem):
    from klynge.matchmaking.selectors import recommendations_for_organisation

    member, other, university = ecosystem["member"], ecosystem["other"], ecosystem["university"]
    OrganisationRelation.objects.create(
        source=member, target=university, kind="partner", start_year=2024
    )
    OrganisationRelation.objects.create(
        source=university, target=other, kind="partner", start_year=2024
    )
    found = recommendations_for_organisation(employee, member)
    # The known partner is gone; the partner's partner says why.
    assert [s.organisation for s in found] == [other]
    assert "You both worked with Audio Lab University." in found[0].reasons


def test_index_file_rebuild_and_command(employee, ecosystem, settings):
    from io import StringIO

    from django.core.management import call_command

    from klynge.core.periodic import registered
    from klynge.matchmaking.index import index_path

    out = StringIO()
    call_command("matchmaking_rebuild", stdout=out)
    assert out.getvalue().startswith("Indexed 4 organisations")
    assert index_path().exists()
    assert "matchmaking_rebuild" in [job.command for job in registered()]
    # An organisation created after the rebuild is still served (small directory: live index).
    newcomer = OrganisationFactory(name="New Studio", slug="new-studio")
    newcomer.needs.add(_tag("studio"))
    from klynge.matchmaking.selectors import recommendations_for_organisation

    assert (
        recommendations_for_organisation(employee, newcomer)[0].organisation == ecosystem["other"]
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_constant_queries_on_the_list_pages(
    client, staff, employee, ecosystem, rows, django_assert_num_queries
):
    member = ecosystem["member"]
    for n in range(rows):
        partner = OrganisationFactory(name=f"Studio Partner {n}", slug=f"studio-partner-{n}")
        partner.offers.add(_tag("studio"))
        services.request_introduction(actor=employee, organisation=member, partner=partner)
        services.give_feedback(actor=employee, organisation=member, partner=partner, useful=True)
    rebuild_index()
    client.force_login(employee)
    with django_assert_num_queries(6):
        assert client.get(_url(member)).status_code == 200
    client.force_login(staff)
    with django_assert_num_queries(5):
        response = client.get(reverse("matchmaking:introductions"))
    assert len(response.context["pending"]) == rows


def test_an_accepted_introduction_starts_a_match(staff, employee, ecosystem):
    member, other = ecosystem["member"], ecosystem["other"]
    introduction = services.request_introduction(
        actor=employee, organisation=member, partner=other, message="Studio time?"
    )
    services.accept_introduction(actor=staff, introduction=introduction, note="Meet Mette")
    match = Match.objects.get()
    assert (match.origin, match.stage, match.event) == ("introduction", "introduced", None)
    assert {match.organisation_a, match.organisation_b} == {member, other}
    assert list(match.steps.values_list("stage", "recorded_by")) == [("introduced", staff.pk)]


def _funnel_data(staff, ecosystem):
    event = Event.objects.create(
        title="Media Day",
        slug="media-day",
        kind="conference",
        format="physical",
        starts_at=datetime.datetime(2025, 5, 1, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2025, 5, 1, 17, tzinfo=datetime.UTC),
    )
    services.record_outcome(
        actor=staff,
        organisation_a=ecosystem["member"],
        organisation_b=ecosystem["other"],
        stage="follow_up",
        origin="meeting",
        event=event,
        reached_on=datetime.date(2025, 5, 1),
    )
    services.record_outcome(
        actor=staff,
        organisation_a=ecosystem["member"],
        organisation_b=ecosystem["university"],
        stage="funded",
        reached_on=datetime.date(2024, 2, 1),
    )
    return event


def test_staff_export_the_funnel_as_csv_per_event_and_year(client, staff, employee, ecosystem):
    event = _funnel_data(staff, ecosystem)
    url = reverse("matchmaking:outcomes_export")
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "group,event_id,event,year,introduced,met,follow_up,joint_project,application,funded",
        f"event,{event.pk},Media Day,,1,1,1,0,0,0",
        "event,,,,1,1,1,1,1,1",
        "year,,,2024,1,1,1,1,1,1",
        "year,,,2025,1,1,1,0,0,0",
        "total,,,,2,2,2,1,1,1",
    ]
    filtered = client.get(url, {"year": "2025"}).content.decode().splitlines()
    assert filtered[-1] == "total,,,,1,1,1,0,0,0"
    page = client.get(reverse("matchmaking:outcomes"), {"event": event.pk})
    assert page.context["funnel"]["total"] == [1, 1, 1, 0, 0, 0]
    assert f"export.csv?event={event.pk}" in page.content.decode()


def test_the_funnel_through_the_api(api_client, staff, employee, ecosystem):
    event = _funnel_data(staff, ecosystem)
    assert api_client(employee).get("/api/v1/matchmaking/outcomes").status_code == 403
    answer = api_client(staff).get(f"/api/v1/matchmaking/outcomes?event={event.pk}")
    assert answer.status_code == 200
    zero = {"joint_project": 0, "application": 0, "funded": 0}
    assert answer.json() == {
        "stages": ["introduced", "met", "follow_up", "joint_project", "application", "funded"],
        "total": {"introduced": 1, "met": 1, "follow_up": 1, **zero},
        "by_event": [
            {
                "event": event.pk,
                "title": "Media Day",
                "counts": {"introduced": 1, "met": 1, "follow_up": 1, **zero},
            }
        ],
        "by_year": [{"year": 2025, "counts": {"introduced": 1, "met": 1, "follow_up": 1, **zero}}],
    }
    year = api_client(staff).get("/api/v1/matchmaking/outcomes?year=2024").json()
    assert year["total"]["funded"] == 1
    assert api_client(staff).get("/api/v1/matchmaking/outcomes?year=20x4").status_code == 422


def test_the_index_is_built_once_and_rebuilt_only_when_the_data_changes(employee, ecosystem):
    from klynge.matchmaking import index as index_module

    first = index_module.get_index(ecosystem["member"].pk)
    assert index_module.get_index(ecosystem["member"].pk) is first  # reused, not rebuilt
    assert index_module.index_path().exists()
    newcomer = OrganisationFactory(name="New Studio", slug="new-studio")
    second = index_module.get_index(newcomer.pk)  # unknown: the data changed, rebuilt once
    assert second is not first and newcomer.pk in second.position
    assert index_module.get_index(newcomer.pk) is second


def test_a_large_directory_queues_one_background_rebuild(
    monkeypatch, employee, ecosystem, django_capture_on_commit_callbacks
):
    from klynge.matchmaking import index as index_module

    index_module.rebuild_index()
    served = index_module.get_index()
    monkeypatch.setattr(index_module, "LIVE_LIMIT", 2)  # "large": more than 2 organisations
    newcomer = OrganisationFactory(name="New Studio", slug="new-studio")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert index_module.get_index(newcomer.pk) is served  # still the file's index
        assert index_module.get_index(newcomer.pk) is served
    assert newcomer.pk not in served.position
    assert len(queued) == 1  # one rebuild queued, not one per request
    assert index_module._request_path().exists()
    queued[0]()  # the worker runs the task: the file is rebuilt, the marker gone
    assert not index_module._request_path().exists()
    assert newcomer.pk in index_module.get_index(newcomer.pk).position


def test_selector_reads_feedback_and_partners_in_two_queries_whatever_k(
    staff, employee, member_admin, ecosystem, django_assert_num_queries
):
    from klynge.matchmaking.selectors import recommendations_for_organisation

    member, other, university = ecosystem["member"], ecosystem["other"], ecosystem["university"]
    services.give_feedback(actor=employee, organisation=member, partner=university, useful=True)
    services.give_feedback(actor=staff, organisation=member, partner=university, useful=False)
    services.give_feedback(actor=member_admin, organisation=member, partner=other, useful=True)
    first = services.request_introduction(actor=employee, organisation=member, partner=other)
    services.decline_introduction(actor=staff, introduction=first, reason="Not now")
    services.request_introduction(actor=employee, organisation=member, partner=other)
    rebuild_index()
    recommendations_for_organisation(employee, member)  # the index is loaded: warm
    for k in (1, 10):
        with django_assert_num_queries(2):
            found = recommendations_for_organisation(employee, member, k=k)
        # "Not useful" from anyone hides the university; the pending request is the newest.
        assert [(s.organisation, s.useful, s.introduction) for s in found] == [
            (other, None, "pending")
        ]
    found = recommendations_for_organisation(member_admin, member)
    assert [(s.organisation, s.useful) for s in found] == [(other, True)]


def test_index_folders_switch_at_once_and_older_ones_are_removed(monkeypatch, ecosystem):
    from klynge.matchmaking import index as index_module

    monkeypatch.setattr(index_module, "KEEP_SECONDS", 0)
    root = index_module.index_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.pickle").write_bytes(b"the format before")
    folders = []
    for _ in range(3):
        served = index_module.rebuild_index()
        folders.append(index_module.current_index_folder())
    assert index_module.index_path().read_text() == folders[-1].name
    # The current folder and the previous one (for processes still switching) remain.
    assert sorted(path.name for path in root.glob("index-*")) == sorted(
        folder.name for folder in folders[1:]
    )
    assert not (root / "index.pickle").exists()
    member = ecosystem["member"].pk
    expected = [(r.id, r.score, r.reasons) for r in served.recommend(member, 5)]
    # Another process (nothing loaded yet) maps the current folder and ranks the same.
    monkeypatch.setitem(index_module._cached, "version", None)
    monkeypatch.setitem(index_module._cached, "index", None)
    other = index_module.get_index(member)
    assert other is not served
    assert [(r.id, r.score, r.reasons) for r in other.recommend(member, 5)] == expected
