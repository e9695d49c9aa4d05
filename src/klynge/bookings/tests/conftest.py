import datetime
import zoneinfo

import pytest
from django.utils import translation

from klynge.bookings.tests.factories import ResourceFactory
from klynge.membership.tests.factories import MembershipFactory, TierFactory

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def local(*args) -> datetime.datetime:
    """An aware datetime in Copenhagen time."""
    return datetime.datetime(*args, tzinfo=CPH)


@pytest.fixture(autouse=True)
def default_language():
    """A request in another language (Accept-Language) leaves it active in the thread; each
    test starts, and leaves the next one, in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def tier(db):
    return TierFactory(name="Studio tier", studio_hours_per_month=10)


@pytest.fixture
def membership(member_org, tier):
    return MembershipFactory(
        organisation=member_org,
        tier=tier,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )


@pytest.fixture
def studio(db):
    return ResourceFactory(name="Podcast studio", slug="podcast-studio")
