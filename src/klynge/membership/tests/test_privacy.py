import pytest

from klynge.ecosystem.privacy import erase_person, personal_data
from klynge.membership.models import MembershipApplication
from klynge.membership.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_applications_are_in_the_download_and_lose_their_contact_on_erasure(
    staff, employee, member_org
):
    ApplicationFactory(
        organisation=member_org, contact_name="Emil Ansat", contact_email="EMP@fynsklyd.example"
    )
    assert [a["contact_name"] for a in personal_data(employee)["membership_applications"]] == [
        "Emil Ansat"
    ]
    erase_person(actor=staff, person=employee.person)
    application = MembershipApplication.objects.get()
    assert (application.contact_name, application.contact_email) == (
        "",
        f"erased-person-{employee.person.pk}@invalid",
    )
