"""Background tasks shared by every app (run by the database worker, `klynge db_worker`)."""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task()
def send_email(
    *, to: list[str], subject: str, body: str, html: str = "", reply_to: str = ""
) -> int:
    """Sends one e-mail through the configured backend; returns the number sent (0 or 1)."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, reply_to=[reply_to] if reply_to else None
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
