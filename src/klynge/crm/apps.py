from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "klynge.crm"
    label = "crm"
    verbose_name = _("Relations (CRM)")

    def ready(self) -> None:
        # Dashboard panels, personal data, and the pipeline following membership and events.
        from klynge.crm import panels, privacy, sync  # noqa: F401
