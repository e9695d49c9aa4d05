import datetime

import factory
from django.utils import timezone

from klynge.accounts.tests.factories import UserFactory
from klynge.bookings.models import Booking, BookingStatus, Resource


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Studio {n}")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    kind = "studio"
    granularity_minutes = 30
    min_minutes = 30
    max_minutes = 8 * 60
    horizon_days = 400


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written directly (bypassing the service): blocked period from the buffers."""

    class Meta:
        model = Booking

    resource = factory.SubFactory(ResourceFactory)
    user = factory.SubFactory(UserFactory)
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=2))
    blocked_start = factory.LazyAttribute(lambda o: o.start - o.resource.buffer_before)
    blocked_end = factory.LazyAttribute(lambda o: o.end + o.resource.buffer_after)
    status = BookingStatus.CONFIRMED
