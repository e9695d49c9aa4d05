"""Event programmes (sessions, rooms, speakers) and their frab/pretalx exports under /api/v1/."""

from ninja import Router

router = Router(tags=["programme"])
