from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "klynge.matchmaking"
    label = "matchmaking"
    verbose_name = _("Matchmaking")

    def ready(self) -> None:
        import datetime

        from klynge.core.periodic import Job, register
        from klynge.matchmaking import panels, privacy  # noqa: F401  (dashboard panels, personal data)

        register(Job("matchmaking_rebuild", every=datetime.timedelta(days=1)))
