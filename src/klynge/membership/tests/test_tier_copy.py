"""The organisation's copy of its current membership tier (which the directory filters and
counts) follows every change of its memberships, merges included."""

import datetime

import pytest

from klynge.ecosystem.merging import merge_organisations
from klynge.ecosystem.models import Organisation
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.membership import services
from klynge.membership.models import MembershipStatus
from klynge.membership.tests.factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db


def tier_of(organisation):
    return Organisation.objects.values_list("membership_tier", flat=True).get(pk=organisation.pk)


def test_the_tier_follows_status_changes_and_deletion(staff):
    gold = TierFactory(name="Guld")
    membership = MembershipFactory(tier=gold, status=MembershipStatus.APPLIED)
    organisation = membership.organisation
    assert tier_of(organisation) is None  # applied is not current

    membership.status = MembershipStatus.ACTIVE
    membership.save()
    assert tier_of(organisation) == gold.pk

    services.change_membership_status(
        actor=staff, membership=membership, status=MembershipStatus.GRACE
    )
    assert tier_of(organisation) == gold.pk  # grace is still current
    services.end_membership(actor=staff, membership=membership, on=datetime.date(2026, 6, 1))
    assert tier_of(organisation) is None

    silver = TierFactory(name="Sølv")
    second = MembershipFactory(organisation=organisation, tier=silver)
    assert tier_of(organisation) == silver.pk
    second.delete()
    assert tier_of(organisation) is None


def test_a_merge_moves_the_tier_with_the_membership(staff):
    gold = TierFactory(name="Guld")
    keep = OrganisationFactory(name="Lydhuset")
    duplicate = OrganisationFactory(name="Lydhuset ApS", membership_status="member")
    MembershipFactory(organisation=duplicate, tier=gold)
    assert (tier_of(keep), tier_of(duplicate)) == (None, gold.pk)

    merge_organisations(actor=staff, keep=keep, duplicate=duplicate)

    assert (tier_of(keep), tier_of(duplicate)) == (gold.pk, None)
