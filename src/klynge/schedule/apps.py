from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "klynge.schedule"
    label = "schedule"
    verbose_name = _("Event programmes")

    def ready(self) -> None:
        from klynge.schedule import panels  # noqa: F401  (registers the dashboard panel)
