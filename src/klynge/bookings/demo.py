"""Demo studios and kits with a few bookings (`load()` is idempotent; run after the ecosystem and
membership demo so the demo employee's organisation has its included hours)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from klynge.accounts.models import User
from klynge.bookings import availability, services
from klynge.bookings.models import AddOn, Booking, Resource

WEEKDAYS_8_TO_20 = [(d, 8 * 60, 20 * 60) for d in range(5)] + [(5, 10 * 60, 16 * 60)]

RESOURCES = [
    {
        "name": "Podcast studio",
        "kind": "studio",
        "location": "Media City Odense, ground floor, room 0.12",
        "capacity": 4,
        "description": "A sound-treated room for podcasts and voice-overs, four microphones.",
        "included": "Mixer (RODECaster Pro II), 4 × Shure SM7B, headphones, acoustic panels.",
        "granularity_minutes": 30,
        "min_minutes": 60,
        "max_minutes": 480,
        "buffer_after_minutes": 15,
        "hours": WEEKDAYS_8_TO_20,
        "add_ons": [("Sound technician", Decimal("450.00"), True)],
    },
    {
        "name": "Video studio with green screen",
        "kind": "studio",
        "location": "Media City Odense, hall B",
        "capacity": 10,
        "description": "A 60 m² studio with a green-screen cove, lights and a control room.",
        "included": "Green-screen cove, LED light kit, teleprompter, 2 × Blackmagic 6K.",
        "granularity_minutes": 60,
        "min_minutes": 120,
        "max_minutes": 600,
        "buffer_before_minutes": 30,
        "buffer_after_minutes": 30,
        "requires_approval": True,
        "over_quota": "bill",
        "hourly_rate": Decimal("600.00"),
        "hours": WEEKDAYS_8_TO_20,
        "add_ons": [
            ("Sound technician", Decimal("450.00"), True),
            ("Camera operator", Decimal("650.00"), True),
            ("Make-up", Decimal("300.00"), False),
        ],
    },
    {
        "name": "Video wall",
        "kind": "video_wall",
        "location": "Media City Odense, atrium",
        "description": "A 6 × 3 m LED wall for screenings, demos and virtual production.",
        "granularity_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 720,
        "audience": "students",
        "hours": [(d, 7 * 60, 22 * 60) for d in range(7)],
        "add_ons": [],
    },
    {
        "name": "Camera kit",
        "kind": "equipment",
        "location": "Equipment desk",
        "description": "Sony FX3 with three lenses, a gimbal, tripod and a wireless microphone set.",
        "granularity_minutes": 60,
        "min_minutes": 120,
        "max_minutes": 72 * 60,
        "counts_towards_quota": False,
        "hours": [],
        "add_ons": [],
    },
]


def load(*, now: datetime.datetime | None = None) -> int:
    """Creates the demo resources that do not exist yet, and a few bookings next week when there
    are none; returns how many resources it created."""
    created = 0
    for spec in RESOURCES:
        spec = dict(spec)
        hours, add_ons = spec.pop("hours"), spec.pop("add_ons")
        if Resource.objects.filter(name=spec["name"]).exists():
            continue
        resource = services.create_resource(
            actor=None, name=spec.pop("name"), kind=spec.pop("kind"), **spec
        )
        services.set_opening_hours(actor=None, resource=resource, periods=hours)
        for name, price, exclusive in add_ons:
            # One technician (one person) serves both studios: offered with each.
            existing = AddOn.objects.filter(name=name).first()
            if existing is not None:
                services.update_add_on(
                    actor=None,
                    add_on=existing,
                    name=existing.name,
                    price=existing.price,
                    exclusive=existing.exclusive,
                    resources=[*existing.resources.all(), resource],
                )
            else:
                services.add_add_on(
                    actor=None, resource=resource, name=name, price=price, exclusive=exclusive
                )
        created += 1
    if not Booking.objects.exists():
        _bookings(now or timezone.now())
    return created


def _bookings(now) -> None:
    employee = User.objects.filter(email="employee@klynge.example").first()
    admin = User.objects.filter(email="member-admin@klynge.example").first()
    if employee is None or admin is None:
        return
    today = timezone.localdate(now)
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)
    podcast = Resource.objects.get(name="Podcast studio")
    video = Resource.objects.get(name="Video studio with green screen")
    plan = [
        (employee, podcast, 0, 10, 120),
        (admin, podcast, 1, 13, 180),
        (employee, podcast, 3, 9, 60),
        (admin, video, 2, 9, 240),
    ]
    for user, resource, day, hour, minutes in plan:
        start = availability.at_local(monday + datetime.timedelta(days=day), hour * 60)
        try:
            services.create_booking(
                actor=None,
                resource=resource,
                user=user,
                start=start,
                end=availability.after(start, minutes),
                notify=False,
                now=now,
            )
        except services.BookingRefused:
            continue
