import datetime

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.tests.factories import EventFactory
from klynge.meetings import services
from klynge.meetings.models import SchedulingMode


def make_session(
    *,
    slots: int = 4,
    tables: int = 2,
    mode: str = SchedulingMode.ON_ACCEPT,
    event=None,
    requires_registration: bool = False,
    **fields,
):
    """A session on a future event: `slots` slots of 20 minutes from 10:00 UTC, `tables` tables.
    Open to anyone (no registration needed) unless `requires_registration`."""
    event = event or EventFactory()
    start = event.starts_at.replace(hour=10, minute=0, second=0, microsecond=0)
    return services.create_session(
        actor=None,
        event=event,
        title="B2B matchmaking",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=20 * slots),
        tables=tables,
        mode=mode,
        requires_registration=requires_registration,
        **fields,
    )


def join(
    session,
    person=None,
    *,
    slots=None,
    offers="",
    looking_for="",
    organisation=None,
    **person_fields,
):
    person = person or PersonFactory(**person_fields)
    return services.opt_in(
        actor=None,
        session=session,
        person=person,
        organisation=organisation,
        offers=offers,
        looking_for=looking_for,
        slots=slots,
    )


def held_meeting(session, sender, recipient):
    """An accepted request whose meeting is over: its slot is moved to yesterday."""
    from django.utils import timezone

    from klynge.meetings.models import Meeting

    request = services.send_request(
        actor=None, session=session, sender=sender.person, recipient=recipient.person
    )
    services.accept_request(actor=None, request=request)
    meeting = Meeting.objects.select_related("slot", "session__event").get(request=request)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    meeting.slot.starts_at = yesterday
    meeting.slot.ends_at = yesterday + datetime.timedelta(minutes=20)
    meeting.slot.save()
    return meeting
