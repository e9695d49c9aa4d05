"""Demo tiers and a membership for every demo member organisation (idempotent)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from klynge.ecosystem.models import Organisation
from klynge.membership import services as membership_services
from klynge.membership.models import Membership, Tier

# name, studio hours a month, free event seats, event discount %, fees (kind, size band, DKK a year)
DEMO_TIERS = [
    ("Startup", 4, 2, 50, [("startup", "", "0"), ("", "micro", "1500")]),
    ("Small company", 8, 4, 25, [("", "", "6000"), ("", "micro", "3000")]),
    (
        "Large company",
        20,
        10,
        25,
        [("", "", "15000"), ("", "large", "30000"), ("media_house", "", "30000")],
    ),
    (
        "Education",
        8,
        10,
        50,
        [("university", "", "10000"), ("research", "", "10000"), ("school", "", "2500")],
    ),
    (
        "Public",
        8,
        6,
        25,
        [("public_body", "", "20000"), ("association", "", "2000"), ("cluster", "", "0")],
    ),
]
TIER_OF_KIND = {
    "startup": "Startup",
    "company": "Small company",
    "media_house": "Large company",
    "investor": "Small company",
    "university": "Education",
    "school": "Education",
    "research": "Education",
    "public_body": "Public",
    "association": "Public",
    "cluster": "Public",
    "other": "Small company",
}


def load_demo_memberships() -> int:
    """Creates the demo tiers and an active membership for members without one; returns how many."""
    for position, (name, hours, seats, discount, fees) in enumerate(DEMO_TIERS, start=1):
        if not Tier.objects.filter(name=name).exists():
            membership_services.save_tier(
                actor=None,
                name=name,
                description="",
                is_active=True,
                position=position,
                studio_hours_per_month=hours,
                free_event_seats=seats,
                event_discount_percent=discount,
                fees=[{"kind": k, "size_band": b, "annual_fee": Decimal(f)} for k, b, f in fees],
            )
    tiers = {tier.name: tier for tier in Tier.objects.all()}
    start = datetime.date(2026, 1, 1)
    created = 0
    for organisation in Organisation.objects.filter(
        membership_status="member", memberships__isnull=True
    ):
        Membership.objects.create(
            organisation=organisation,
            tier=tiers[TIER_OF_KIND.get(organisation.kind, "Small company")],
            start_date=start,
            end_date=membership_services.one_year_from(start),
            status="active",
            status_changed_on=start,
        )
        created += 1
    return created
