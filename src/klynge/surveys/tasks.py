"""Background work for surveys (run by `klynge db_worker`, or at once in tests)."""

from django.tasks import task


@task()
def send_survey_email_task(invitation_id: int, kind: str, base_url: str = "") -> int:
    """Renders and sends an invitation or a reminder (the worker does the work, not the
    request that queued it)."""
    from klynge.surveys.services.invitations import send_invitation_email

    return send_invitation_email(invitation_id, kind, base_url)


@task()
def send_due_reminders_task(base_url: str = "") -> int:
    """Closes the surveys past their closing time, then sends the reminders that are due."""
    from klynge.surveys.services import close_due_surveys, send_due_reminders

    close_due_surveys()
    return send_due_reminders(base_url=base_url)
