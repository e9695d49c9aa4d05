"""Partner recommendations and introductions under /api/v1/matchmaking/."""

from ninja import Router

router = Router(tags=["matchmaking"])
