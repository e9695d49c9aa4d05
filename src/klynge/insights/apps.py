from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "klynge.insights"
    label = "insights"
    verbose_name = _("Insights and impact")

    def ready(self) -> None:
        from klynge.insights import panels  # noqa: F401  (dashboard)
