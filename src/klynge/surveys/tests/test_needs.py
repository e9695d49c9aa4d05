"""A free-text answer of an identified survey becomes a need of the organisation, followed up
by a CRM task; answers of anonymous surveys cannot be traced, so they cannot be."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.crm.models import Task
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.surveys import services
from klynge.surveys.models import Answer, Need, QuestionKind
from klynge.surveys.tests.builders import build_survey, open_now, respond


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Odense Lyd ApS", slug="odense-lyd")


@pytest.fixture
def text_answer(open_survey, organisation):
    respond(open_survey, organisation, q7="We need a virtual production studio for two weeks")
    return Answer.objects.get(question__kind=QuestionKind.TEXT)


def test_a_need_with_a_follow_up_task_in_the_crm(client, staff, text_answer, organisation):
    client.force_login(staff)
    due = timezone.localdate() + datetime.timedelta(days=10)
    url = reverse("surveys:need_create", args=[text_answer.question.survey_id, text_answer.pk])
    html = client.get(url).content.decode()
    assert "We need a virtual production studio for two weeks" in html
    response = client.post(
        url,
        {"summary": "Virtual production studio", "tags": "studio, Virtual production",
         "follow_up": "on", "task_title": "", "assignee": staff.pk, "due_date": due.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    need = Need.objects.get()
    assert (need.organisation, need.summary, need.answer) == (
        organisation,
        "Virtual production studio",
        text_answer,
    )
    assert sorted(t.name for t in need.tags.all()) == ["Virtual production", "studio"]
    task = Task.objects.get()
    assert (task.title, task.assignee, task.due_date, task.organisation, task.person) == (
        "Follow up the need: Virtual production studio",
        staff,
        due,
        organisation,
        text_answer.response.person,
    )
    assert task.notes == (
        'From the survey "Member survey": We need a virtual production studio for two weeks'
    )
    assert need.task == task
    html = client.get(reverse("surveys:needs") + "?tag=studio").content.decode()
    assert "Virtual production studio" in html


def test_a_task_needs_a_staff_assignee_and_a_date(client, staff, employee, text_answer):
    client.force_login(staff)
    url = reverse("surveys:need_create", args=[text_answer.question.survey_id, text_answer.pk])
    response = client.post(url, {"summary": "Studio", "follow_up": "on", "assignee": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "assignee": ["Assign the task to a member of the cluster staff."],
        "due_date": ["Enter a valid date."],
    }
    assert (Need.objects.count(), Task.objects.count()) == (0, 0)


def test_an_answer_is_recorded_once(staff, text_answer):
    services.record_need(actor=staff, answer=text_answer, summary="Studio")
    with pytest.raises(ValidationError) as caught:
        services.record_need(actor=staff, answer=text_answer, summary="Studio again")
    assert caught.value.messages == ["This answer is recorded as a need already."]


def test_anonymous_answers_cannot_become_needs(staff, organisation):
    survey = open_now(build_survey(anonymous=True))
    respond(survey, organisation, q7="Funding")
    answer = Answer.objects.get(question__kind=QuestionKind.TEXT)
    with pytest.raises(ValidationError) as caught:
        services.record_need(actor=staff, answer=answer, summary="Funding")
    assert caught.value.messages == ["Answers to an anonymous survey cannot be traced to anyone."]


def test_members_cannot_record_needs(client, employee, text_answer):
    client.force_login(employee)
    url = reverse("surveys:need_create", args=[text_answer.question.survey_id, text_answer.pk])
    assert client.get(url).status_code == 403
