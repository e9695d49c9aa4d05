"""schema.org Event JSON-LD for the event page (search engines and aggregators read it).

It is put in a `<script type="application/ld+json">` element: a data block, which browsers
never execute, so the Content-Security-Policy (`script-src 'self'`) has nothing to allow. The
JSON is escaped as `json_script` does (`<`, `>` and `&` as \\u escapes), so no text of the event
can close the element. The stream link is never in it (only registrants see that).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from klynge.events.models import Event, EventFormat, EventStatus

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
ATTENDANCE = {
    EventFormat.ONSITE: "https://schema.org/OfflineEventAttendanceMode",
    EventFormat.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    EventFormat.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}


def event_data(event: Event, *, base_url: str, categories, free: int | None) -> dict:
    url = base_url + event.get_absolute_url()
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.display_title,
        "url": url,
        # ISO 8601 with the event's own UTC offset, as schema.org asks.
        "startDate": event.local_start.isoformat(),
        "endDate": event.local_end.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if event.status == EventStatus.CANCELLED
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": ATTENDANCE[event.format],
    }
    if event.description:
        data["description"] = event.description
    locations = []
    if event.format != EventFormat.ONLINE and (event.venue or event.address):
        place = {"@type": "Place", "name": event.venue or event.address}
        if event.address:
            place["address"] = {"@type": "PostalAddress", "streetAddress": event.address}
        locations.append(place)
    if event.format != EventFormat.ONSITE:
        locations.append({"@type": "VirtualLocation", "url": url})
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    organiser = event.organiser
    data["organizer"] = {
        "@type": "Organization",
        "name": organiser.name if organiser else settings.KLYNGE_CLUSTER_NAME,
    }
    if organiser and organiser.website:
        data["organizer"]["url"] = organiser.website
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
        if free is not None:
            data["remainingAttendeeCapacity"] = free
    availability = "https://schema.org/SoldOut" if free == 0 else "https://schema.org/InStock"
    if event.is_external:
        if event.external_url:
            data["offers"] = {"@type": "Offer", "url": event.external_url}
    elif categories:
        data["offers"] = [
            {
                "@type": "Offer",
                "name": category.name,
                "price": f"{category.price:.2f}",
                "priceCurrency": settings.KLYNGE_CURRENCY,
                "availability": availability,
                "url": url,
            }
            for category in categories
        ]
    else:
        data["offers"] = {
            "@type": "Offer",
            "price": "0.00",
            "priceCurrency": settings.KLYNGE_CURRENCY,
            "availability": availability,
            "url": url,
        }
    return data


def event_json_ld(event: Event, **kwargs) -> str:
    """The JSON-LD text, safe to put inside the script element."""
    text = json.dumps(event_data(event, **kwargs), ensure_ascii=False, sort_keys=True)
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 - escaped above, as json_script does
