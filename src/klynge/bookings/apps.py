from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "klynge.bookings"
    label = "bookings"
    verbose_name = _("Studios and equipment")

    def ready(self) -> None:
        import datetime

        from klynge.bookings import panels, privacy  # noqa: F401  (dashboard, personal data)
        from klynge.core.periodic import Job, register

        register(Job("expire_booking_offers", every=datetime.timedelta(minutes=5), base_url=True))
        # Daily: invoices a month's charges once the month has ended (idempotent).
        register(Job("bill_booking_charges", every=datetime.timedelta(hours=24), base_url=True))
