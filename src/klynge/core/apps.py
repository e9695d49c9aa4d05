from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_tables(using="default", **kwargs) -> None:
    """`klynge migrate` also creates the table of a database cache (KLYNGE_SHARED_CACHE)."""
    from django.conf import settings
    from django.core.management import call_command

    if any(cache["BACKEND"].endswith(".DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "klynge.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import datetime

        from klynge.core import panels  # noqa: F401  (registers the dashboard panels)
        from klynge.core.periodic import Job, register
        from klynge.core.task_backend import tasks_in_database

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="core.cache_tables")

        if tasks_in_database():
            # Finished tasks keep their arguments (e-mails with their links): prune them.
            register(Job("prune_db_task_results", every=datetime.timedelta(days=1)))
