"""Background work for events (run by `klynge db_worker`, or immediately in tests)."""

from django.tasks import task


@task()
def expire_offers_task(base_url: str = "") -> int:
    """Ends seat offers not accepted in time and offers the seats to the next people."""
    from klynge.events.services import expire_offers

    return expire_offers(base_url=base_url)


@task()
def send_reminders_task(base_url: str = "") -> int:
    """Sends the reminders that are due, each once per registration."""
    from klynge.events.services import send_due_reminders

    return send_due_reminders(base_url=base_url)


@task()
def send_follow_ups_task(base_url: str = "") -> int:
    """Sends the follow-up (recording and feedback form) after events that have ended."""
    from klynge.events.services import send_follow_ups

    return send_follow_ups(base_url=base_url)


@task()
def send_registration_email_task(
    registration_id: int, template: str, base_url: str = "", extra: dict | None = None
) -> int:
    """Renders and sends a registration's e-mail (with the .ics and QR ticket when confirmed):
    the work is done here, by the task worker, not in the request that queued it."""
    from klynge.events.services import send_registration_email

    return send_registration_email(registration_id, template, base_url, extra or {})
