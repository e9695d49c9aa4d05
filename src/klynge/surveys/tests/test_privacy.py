"""A person's data download holds their identified answers; an erasure removes what they
wrote and the link to them, and the counts stay."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from klynge.ecosystem.privacy import erase_person, personal_data
from klynge.surveys import services
from klynge.surveys.models import Answer, Invitation, Response
from klynge.surveys.tests.builders import full_answers, invite_people


def test_download_and_erasure(employee, staff, open_survey):
    person = employee.person
    (invitation,) = invite_people(open_survey, [person])
    services.submit_response(invitation=invitation, data=full_answers(open_survey))
    data = personal_data(employee)["surveys"]
    assert data["invitations"][0]["answered"] is True
    assert {"survey": "Member survey", "question": "What did you launch?", "option": None,
            "number": None, "text": "A podcast network"} in data["answers"]  # fmt: skip
    json.dumps(data, cls=DjangoJSONEncoder)

    erase_person(actor=staff, person=person)
    response = Response.objects.get()
    assert (response.person, response.identified) == (None, True)
    assert Answer.objects.filter(response=response).count() == 10
    assert not Answer.objects.filter(text="A podcast network").exists()
    assert Invitation.objects.get().email == f"erased-person-{person.pk}@invalid"
