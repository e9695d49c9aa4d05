import datetime
from decimal import Decimal

import factory

from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.membership.models import (
    Membership,
    MembershipApplication,
    MembershipStatus,
    Tier,
    TierFee,
)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Tier {n}")
    studio_hours_per_month = 4
    free_event_seats = 2
    event_discount_percent = 10

    @factory.post_generation
    def fee(self, create, extracted, **kwargs):
        """TierFactory(fee=Decimal("5000")) adds a general fee line (default 10,000)."""
        if create and extracted is not False:
            TierFee.objects.create(
                tier=self, annual_fee=Decimal("10000.00") if extracted is None else extracted
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    tier = factory.SubFactory(TierFactory)
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    status = MembershipStatus.ACTIVE


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipApplication

    organisation = factory.SubFactory(OrganisationFactory, membership_status="prospect")
    tier = factory.SubFactory(TierFactory)
    contact_name = "Karen Kontakt"
    contact_email = factory.Sequence(lambda n: f"contact{n}@applicant.example")
