import datetime

import factory

from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.insights.models import Benchmark, Highlight, OrganisationYear
from klynge.membership.tests.factories import MembershipFactory


class OrganisationYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationYear

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2024
    country = factory.LazyAttribute(lambda row: row.organisation.country)
    currency = "DKK"
    nace_division = "59"


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benchmark

    country = "DK"
    nace_division = "59"
    year = 2024
    source = "Statistics Denmark, table GF2 (test)"


class HighlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Highlight

    year = 2024
    kind = "award"
    title_en = factory.Sequence(lambda n: f"Award {n}")


def member(
    organisation=None,
    *,
    start=datetime.date(2020, 1, 1),
    end=datetime.date(2025, 6, 30),
    status="ended",
    **organisation_fields,
):
    """An organisation with a membership from `start` to `end`."""
    organisation = organisation or OrganisationFactory(**organisation_fields)
    MembershipFactory(organisation=organisation, start_date=start, end_date=end, status=status)
    return organisation
