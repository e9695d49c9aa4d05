import datetime
from decimal import Decimal

import pytest

from klynge.membership.models import TierFee
from klynge.membership.selectors import NO_BENEFITS, benefits_for, fee_for
from klynge.membership.tests.factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tier():
    tier = TierFactory(name="Company", fee=Decimal("12000.00"))
    TierFee.objects.create(tier=tier, kind="startup", annual_fee=Decimal("0.00"))
    TierFee.objects.create(tier=tier, size_band="micro", annual_fee=Decimal("3000.00"))
    TierFee.objects.create(tier=tier, size_band="large", annual_fee=Decimal("40000.00"))
    TierFee.objects.create(
        tier=tier, kind="media_house", size_band="large", annual_fee=Decimal("60000.00")
    )
    return tier


@pytest.mark.parametrize(
    ("kind", "size_band", "expected"),
    [
        ("company", "small", Decimal("12000.00")),  # only the general line matches
        ("company", "", Decimal("12000.00")),  # size unknown
        ("company", "micro", Decimal("3000.00")),  # size beats any
        ("startup", "micro", Decimal("0.00")),  # kind beats size
        ("company", "large", Decimal("40000.00")),
        ("media_house", "large", Decimal("60000.00")),  # kind and size beat everything
        ("media_house", "medium", Decimal("12000.00")),
    ],
)
def test_the_most_specific_fee_wins(tier, kind, size_band, expected):
    assert fee_for(tier, kind=kind, size_band=size_band) == expected


def test_a_tier_without_a_matching_line_is_not_offered():
    tier = TierFactory(fee=False)
    TierFee.objects.create(tier=tier, kind="university", annual_fee=Decimal("5000"))
    assert fee_for(tier, kind="company", size_band="small") is None
    assert fee_for(tier, kind="university", size_band="large") == Decimal("5000.00")


def test_benefits_of_a_current_membership_only():
    tier = TierFactory(studio_hours_per_month=8, free_event_seats=5, event_discount_percent=20)
    membership = MembershipFactory(
        tier=tier, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31)
    )
    organisation = membership.organisation
    benefits = benefits_for(organisation, on=datetime.date(2026, 6, 1))
    assert (
        benefits.tier,
        benefits.studio_hours_per_month,
        benefits.free_event_seats,
        benefits.event_discount_percent,
        benefits.is_member,
    ) == (tier, 8, 5, 20, True)
    # Before the membership starts there is nothing.
    assert benefits_for(organisation, on=datetime.date(2025, 12, 31)) == NO_BENEFITS
    # In grace the benefits go on; lapsed, they stop.
    membership.status = "grace"
    membership.save()
    assert benefits_for(organisation, on=datetime.date(2027, 1, 10)).studio_hours_per_month == 8
    membership.status = "lapsed"
    membership.save()
    assert benefits_for(organisation, on=datetime.date(2027, 3, 1)) == NO_BENEFITS
    assert NO_BENEFITS.is_member is False
    assert benefits_for(None) == NO_BENEFITS
