import pytest

from klynge.ecosystem.privacy import erase_person, personal_data
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.matchmaking import services
from klynge.matchmaking.models import Feedback, Introduction

pytestmark = pytest.mark.django_db


def test_feedback_and_introductions_are_in_the_download_and_messages_erased(
    staff, employee, member_org
):
    partner = OrganisationFactory(name="Bergen Pixel", slug="bergen-pixel")
    services.give_feedback(actor=employee, organisation=member_org, partner=partner, useful=False)
    services.request_introduction(
        actor=employee, organisation=member_org, partner=partner, message="Ask for Mette"
    )
    data = personal_data(employee)["matchmaking"]
    assert [(f["organisation"], f["partner"], f["useful"]) for f in data["feedback"]] == [
        (member_org.name, "Bergen Pixel", False)
    ]
    assert [(i["partner"], i["message"], i["status"]) for i in data["introductions"]] == [
        ("Bergen Pixel", "Ask for Mette", "pending")
    ]
    erase_person(actor=staff, person=employee.person)
    assert Introduction.objects.get().message == "[erased]"
    assert Feedback.objects.get().useful is False  # a verdict on organisations, kept
