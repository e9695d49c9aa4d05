"""Name badges as a printable PDF: four A6 badges on each A4 page (cut along the middle lines),
each with the person's name, organisation, ticket type and the QR code of the ticket code.

The PDF is written uncompressed so that its text can be searched (and tested) as it is.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from klynge.events.models import Event, Registration
from klynge.events.tickets import ticket_qr

BADGE_WIDTH, BADGE_HEIGHT = A4[0] / 2, A4[1] / 2  # A6
MARGIN = 10 * mm
QR_SIZE = 32 * mm


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to `size` at which `text` fits in `width`."""
    while size > 7 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _qr(code: str) -> ImageReader:
    buffer = io.BytesIO()
    ticket_qr(code).save(buffer, kind="png", scale=8, border=2)  # a full QR code, as on tickets
    buffer.seek(0)
    return ImageReader(buffer)


def _badge(canvas: Canvas, x: float, y: float, event: Event, registration: Registration) -> None:
    width = BADGE_WIDTH - 2 * MARGIN
    top = y + BADGE_HEIGHT - MARGIN
    canvas.setFont("Helvetica", 10)
    canvas.drawString(x + MARGIN, top - 10, event.display_title[:80])
    name = registration.person.full_name
    size = _fit(canvas, name, "Helvetica-Bold", 26, width)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x + MARGIN, top - 30 * mm, name)
    if registration.organisation:
        organisation = registration.organisation.name
        canvas.setFont("Helvetica", _fit(canvas, organisation, "Helvetica", 14, width))
        canvas.drawString(x + MARGIN, top - 40 * mm, organisation)
    if registration.category:
        canvas.setFont("Helvetica-Oblique", 12)
        canvas.drawString(x + MARGIN, top - 50 * mm, registration.category.name)
    canvas.drawImage(
        _qr(registration.code),
        x + BADGE_WIDTH - MARGIN - QR_SIZE,
        y + MARGIN,
        QR_SIZE,
        QR_SIZE,
    )
    canvas.setFont("Courier", 10)
    canvas.drawString(x + MARGIN, y + MARGIN, registration.code)


def badges_pdf(event: Event, registrations: list[Registration]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0)
    canvas.setTitle(event.display_title)
    positions = [
        (0, BADGE_HEIGHT),
        (BADGE_WIDTH, BADGE_HEIGHT),
        (0, 0),
        (BADGE_WIDTH, 0),
    ]
    for start in range(0, max(len(registrations), 1), 4):
        canvas.setStrokeGray(0.8)
        canvas.setDash(2, 4)
        canvas.line(BADGE_WIDTH, 0, BADGE_WIDTH, A4[1])
        canvas.line(0, BADGE_HEIGHT, A4[0], BADGE_HEIGHT)
        canvas.setDash()
        for (x, y), registration in zip(positions, registrations[start : start + 4], strict=False):
            _badge(canvas, x, y, event, registration)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
