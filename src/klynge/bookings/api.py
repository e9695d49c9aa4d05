"""Resources, availability and bookings under /api/v1/."""

from ninja import Router

router = Router(tags=["bookings"])
