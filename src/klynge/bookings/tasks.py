"""Background work for bookings (run by `klynge db_worker`, or at once in tests): the e-mails.

Each is queued inside the transaction that made the change (a transactional outbox, see
`klynge.core.emails`) as a small row naming the booking; the worker renders the e-mail and its
.ics, so a booking request does no template work and, on SQLite, holds the write lock only for
its own rows.
"""

from django.tasks import task


@task()
def send_booking_email_task(
    booking_id: int, kind: str, base_url: str = "", language: str = "", to: str = "person"
) -> int:
    """E-mails the booking's person (or, `to="supervisor"`, a student's supervisor)."""
    from klynge.bookings.services.notifications import send_booking_email

    return send_booking_email(booking_id, kind, base_url=base_url, language=language, to=to)


@task()
def send_offer_email_task(entry_id: int, base_url: str = "", language: str = "") -> int:
    """E-mails the person on the waiting list that the time they wait for is held for them."""
    from klynge.bookings.services.notifications import send_offer_email

    return send_offer_email(entry_id, base_url=base_url, language=language)
