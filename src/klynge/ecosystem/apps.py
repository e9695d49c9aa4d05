from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemConfig(AppConfig):
    name = "klynge.ecosystem"
    label = "ecosystem"
    verbose_name = _("Ecosystem")

    def ready(self) -> None:
        # Permissions, registries and the receivers that keep the search text current.
        from klynge.ecosystem import (  # noqa: F401
            network,
            panels,
            privacy,
            search,
        )
