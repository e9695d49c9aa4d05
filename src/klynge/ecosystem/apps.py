from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemConfig(AppConfig):
    name = "klynge.ecosystem"
    label = "ecosystem"
    verbose_name = _("Ecosystem")

    def ready(self) -> None:
        from klynge.ecosystem import panels  # noqa: F401  (registers the dashboard panels)
        from klynge.ecosystem import network, privacy  # noqa: F401  (their permissions and registries)
