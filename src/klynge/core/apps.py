from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "klynge.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from klynge.core import panels  # noqa: F401  (registers the dashboard panels)
