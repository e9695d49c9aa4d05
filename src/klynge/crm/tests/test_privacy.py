import datetime

import pytest
from django.utils import timezone

from klynge.crm import services
from klynge.crm.models import Interaction
from klynge.ecosystem.privacy import erase_person, personal_data

pytestmark = pytest.mark.django_db


def test_crm_notes_are_in_the_download_and_erased_with_the_person(staff, employee):
    person = employee.person
    services.log_interaction(
        actor=staff,
        person=person,
        kind="call",
        occurred_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0)),
        summary="Talked about the podcast studio",
    )
    assert (
        personal_data(employee)["crm"]["interactions"][0]["summary"]
        == "Talked about the podcast studio"
    )
    erase_person(actor=staff, person=person)
    assert list(Interaction.objects.values_list("summary", flat=True)) == ["[erased]"]
