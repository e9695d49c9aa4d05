import datetime

import factory
from django.utils import timezone

from klynge.events.models import Event, EventStatus, TicketCategory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Breakfast seminar {n}")
    slug = factory.Sequence(lambda n: f"breakfast-seminar-{n}")
    kind = "breakfast_seminar"
    format = "onsite"
    visibility = "public"
    status = EventStatus.PUBLISHED
    time_zone = "Europe/Copenhagen"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    venue = "Media City Odense"


class TicketCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketCategory

    event = factory.SubFactory(EventFactory)
    name = "Standard"
