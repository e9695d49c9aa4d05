from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "klynge.membership"
    label = "membership"
    verbose_name = _("Membership and invoices")

    def ready(self) -> None:
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.membership import panels, privacy, sync  # noqa: F401  (dashboard, data, tiers)

        register(Job("run_renewals", every=datetime.timedelta(days=1), base_url=True))
