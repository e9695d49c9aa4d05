from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "klynge.schedule"
    label = "schedule"
    verbose_name = _("Event programmes")

    def ready(self) -> None:
        from klynge.events.calendar import register_personal_part
        from klynge.schedule import panels, privacy  # noqa: F401  (dashboard panel, personal data)
        from klynge.schedule.ical import agenda_components

        # The starred sessions go into the person's own calendar feed across all events.
        register_personal_part("agenda", agenda_components)
