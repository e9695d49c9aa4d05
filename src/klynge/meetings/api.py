"""B2B meeting requests and agendas under /api/v1/matchmaking/."""

from ninja import Router

router = Router(tags=["meetings"])
