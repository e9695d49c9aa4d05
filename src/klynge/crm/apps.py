from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "klynge.crm"
    label = "crm"
    verbose_name = _("Relations (CRM)")

    def ready(self) -> None:
        from klynge.crm import panels, privacy  # noqa: F401  (dashboard panels, personal data)
