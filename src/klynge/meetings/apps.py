from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "klynge.meetings"
    label = "meetings"
    verbose_name = _("B2B meetings")

    def ready(self) -> None:
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.meetings import privacy  # noqa: F401  (personal data and erasure)

        register(Job("expire_meeting_requests", every=datetime.timedelta(minutes=5), base_url=True))
        register(Job("send_meeting_notices", every=datetime.timedelta(minutes=5), base_url=True))
