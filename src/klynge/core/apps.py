from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "klynge.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import datetime

        from django.conf import settings

        from klynge.core import panels  # noqa: F401  (registers the dashboard panels)
        from klynge.core.periodic import Job, register

        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            # Finished tasks keep their arguments (e-mails with their links): prune them.
            register(Job("prune_db_task_results", every=datetime.timedelta(days=1)))
