"""Fixtures shared by the apps' tests: users in each role and an API client with a token."""

import pytest
from django.test import Client

from klynge.accounts import services as account_services
from klynge.accounts.tests.factories import UserFactory, user_with_role
from klynge.ecosystem.models import AffiliationRole, MembershipStatus
from klynge.ecosystem.tests.factories import OrganisationFactory


@pytest.fixture
def member_org(db):
    return OrganisationFactory(name="Fynsk Lyd ApS", slug="fynsk-lyd")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Bergen Pixel AS", slug="bergen-pixel", country="NO")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@cluster.example", name="Sara Staff", is_staff=True)


@pytest.fixture
def staff_admin(db):
    return UserFactory(
        email="admin@cluster.example", name="Anders Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def member_admin(member_org):
    return user_with_role(
        AffiliationRole.MEMBER_ADMIN, member_org, email="boss@fynsklyd.example", name="Mette Boss"
    )


@pytest.fixture
def employee(member_org):
    return user_with_role(
        AffiliationRole.EMPLOYEE, member_org, email="emp@fynsklyd.example", name="Emil Ansat"
    )


@pytest.fixture
def student(db):
    university = OrganisationFactory(
        name="Syddansk Universitet",
        slug="sdu",
        kind="university",
        membership_status=MembershipStatus.MEMBER,
    )
    return user_with_role(
        AffiliationRole.STUDENT, university, email="stud@sdu.example", name="Sofie Studerende"
    )


@pytest.fixture
def founder(db):
    startup = OrganisationFactory(
        name="Nyhedsrobot IVS",
        slug="nyhedsrobot",
        kind="startup",
        membership_status=MembershipStatus.PROSPECT,
    )
    return user_with_role(
        AffiliationRole.FOUNDER, startup, email="founder@robot.example", name="Frida Founder"
    )


@pytest.fixture
def api_client():
    """Returns a factory: api_client(user) -> Client sending that user's bearer token."""

    def make(user, **headers):
        _token, secret = account_services.create_api_token(actor=user, user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {secret}", **headers})

    return make
