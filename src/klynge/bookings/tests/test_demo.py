import datetime

import pytest

from klynge.bookings import demo
from klynge.bookings.models import Booking, Resource
from klynge.bookings.tests.conftest import local

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent(employee, member_admin, membership):
    employee.email = "employee@klynge.example"
    employee.save()
    member_admin.email = "member-admin@klynge.example"
    member_admin.save()
    now = local(2026, 10, 1, 9)
    assert demo.load(now=now) == 4
    assert demo.load(now=now) == 0
    assert sorted(Resource.objects.values_list("name", flat=True)) == [
        "Camera kit",
        "Podcast studio",
        "Video studio with green screen",
        "Video wall",
    ]
    assert sorted(Booking.objects.values_list("status", flat=True)) == ["confirmed"] * 3 + [
        "pending"
    ]
    assert Booking.objects.filter(start__gte=now + datetime.timedelta(days=4)).count() == 4
