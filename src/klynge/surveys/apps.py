from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "klynge.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.surveys import panels, privacy  # noqa: F401  (dashboard panels, personal data)

        register(Job("send_survey_reminders", every=datetime.timedelta(hours=1), base_url=True))
