"""Factories for programme tests (an Event factory lives here so these tests stand alone)."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import factory

from klynge.events.models import Event
from klynge.schedule.models import Room, Session, SessionSpeaker, Speaker, Track

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"MediaTech Festival {n}")
    slug = factory.Sequence(lambda n: f"mediatech-festival-{n}")
    kind = "conference"
    format = "onsite"
    visibility = "public"
    status = "published"
    starts_at = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=COPENHAGEN)
    ends_at = datetime.datetime(2026, 6, 12, 18, 0, tzinfo=COPENHAGEN)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Sal {n}")
    guid = factory.LazyFunction(uuid.uuid4)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Track {n}")
    colour = "#0347b4"
    slug = factory.Sequence(lambda n: f"track-{n}")


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Speaker {n}")
    bio = "Works with media."


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=COPENHAGEN)
    duration = datetime.timedelta(minutes=45)
    room = factory.LazyAttribute(lambda o: RoomFactory(event=o.event))
    track = None
    kind = "talk"

    @factory.post_generation
    def speakers(self, create, extracted, **kwargs):
        for position, speaker in enumerate(extracted or []):
            SessionSpeaker.objects.create(session=self, speaker=speaker, position=position)
