"""Fixtures of the surveys tests (helpers in builders.py)."""

from __future__ import annotations

import pytest

from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)
from klynge.membership.tests.factories import MembershipFactory, TierFactory
from klynge.surveys.tests.builders import build_survey, open_now


@pytest.fixture
def members(db):
    """Three member organisations with current memberships: each with a contact person and a
    member admin, plus an employee who is not a contact."""
    tier = TierFactory(name="Small company")
    organisations = []
    for n, (name, employees) in enumerate(
        [("Fynsk Lyd ApS", 8), ("Odense Film A/S", 60), ("Pixel Bergen AS", 8)]
    ):
        organisation = OrganisationFactory(
            name=name, slug=f"member-{n}", employees=employees, country="NO" if n == 2 else "DK"
        )
        MembershipFactory(organisation=organisation, tier=tier)
        for role, first in (
            (AffiliationRole.CONTACT, "Kim"),
            (AffiliationRole.MEMBER_ADMIN, "Ada"),
            (AffiliationRole.EMPLOYEE, "Eva"),
        ):
            AffiliationFactory(
                organisation=organisation,
                role=role,
                person=PersonFactory(
                    first_name=f"{first}{n}", email=f"{first.lower()}{n}@m{n}.example"
                ),
            )
        organisations.append(organisation)
    return organisations


@pytest.fixture
def survey(db):
    return build_survey()


@pytest.fixture
def open_survey(survey):
    return open_now(survey)
