import datetime

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.tests.factories import EventFactory
from klynge.meetings import services
from klynge.meetings.models import SchedulingMode


def make_session(
    *, slots: int = 4, tables: int = 2, mode: str = SchedulingMode.ON_ACCEPT, event=None, **fields
):
    """A session on a future event: `slots` slots of 20 minutes from 10:00 UTC, `tables` tables."""
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
        **fields,
    )


def join(session, person=None, *, slots=None, offers="", looking_for="", **person_fields):
    person = person or PersonFactory(**person_fields)
    return services.opt_in(
        actor=None,
        session=session,
        person=person,
        offers=offers,
        looking_for=looking_for,
        slots=slots,
    )
