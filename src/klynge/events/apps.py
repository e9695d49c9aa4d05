from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "klynge.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.events import panels, privacy  # noqa: F401  (dashboard panels, personal data)

        register(Job("expire_event_offers", every=datetime.timedelta(minutes=5), base_url=True))
        register(Job("send_event_reminders", every=datetime.timedelta(minutes=5), base_url=True))
