from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemConfig(AppConfig):
    name = "klynge.ecosystem"
    label = "ecosystem"
    verbose_name = _("Ecosystem")

    def ready(self) -> None:
        # Permissions, registries and the receivers that keep the search text current.
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.ecosystem import (  # noqa: F401
            network,
            network_sources,
            panels,
            privacy,
            search,
        )

        network_sources.register()
        # The duplicates page reads the pairs this stores (an import also queues it).
        register(Job("scan_duplicates", every=datetime.timedelta(hours=24)))
