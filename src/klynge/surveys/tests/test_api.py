"""GET /api/v1/surveys, /surveys/{id}, /surveys/{id}/results: staff only, the page's figures."""

from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory
from klynge.surveys.tests.builders import build_survey, invite_people, open_now, respond


def test_members_and_visitors_are_refused(client, api_client, employee, survey):
    assert client.get("/api/v1/surveys").status_code == 401
    response = api_client(employee).get("/api/v1/surveys")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to do this."},
    )
    assert api_client(employee).get(f"/api/v1/surveys/{survey.pk}/results").status_code == 403


def test_the_list_with_response_rates(api_client, staff, open_survey):
    invite_people(open_survey, [PersonFactory(), PersonFactory()])
    respond(open_survey)
    body = api_client(staff).get("/api/v1/surveys").json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert {k: item[k] for k in ("id", "status", "year", "invited", "responded",
                                 "response_rate", "display_title", "title")} == {
        "id": open_survey.pk,
        "status": "open",
        "year": 2025,
        "invited": 3,
        "responded": 1,
        "response_rate": 33.3,
        "display_title": "Member survey",
        "title": {"da": "Medlemsundersøgelse", "en": "Member survey"},
    }  # fmt: skip


def test_one_survey_with_its_questions(api_client, staff, open_survey):
    body = api_client(staff).get(f"/api/v1/surveys/{open_survey.pk}").json()
    assert [q["kind"] for q in body["questions"]] == [
        "single", "multiple", "yes_no", "scale", "nps", "matrix", "text", "scale",
    ]  # fmt: skip
    seventh = body["questions"][6]
    assert (seventh["condition_question"], seventh["condition_values"]) == (
        body["questions"][2]["id"],
        ["yes"],
    )
    assert body["questions"][2]["kpi_key"] == "launched_innovation"
    assert api_client(staff).get("/api/v1/surveys/999999").status_code == 404


def test_results_with_a_breakdown_that_hides_small_groups(api_client, staff, db):
    survey = open_now(build_survey(anonymous=True))
    small, micro = OrganisationFactory(employees=20), OrganisationFactory(employees=2)
    for _n in range(5):
        respond(survey, micro, q5="10")
    for _n in range(2):
        respond(survey, small, q5="0")
    response = api_client(staff).get(f"/api/v1/surveys/{survey.pk}/results?by=size")
    body = response.json()
    assert (body["respondents"], body["shown"], body["breakdown"]) == (7, True, "size")
    nps = body["questions"][4]
    assert (nps["nps"], nps["promoters"], nps["detractors"], nps["mean"]) == (43, 5, 2, 7.14)
    assert nps["breakdown"]["groups"] == [
        {"label": "Micro (under 10 employees)", "hidden": True, "answered": None, "figures": []},
        {"label": "Small (10–49 employees)", "hidden": True, "answered": None, "figures": []},
    ]
    assert "texts" not in body["questions"][6]
    response = api_client(staff).get(f"/api/v1/surveys/{survey.pk}/results?by=colour")
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "by": ["Choose one of: '', 'sector', 'size', 'kind' or 'tier'."]
    }
