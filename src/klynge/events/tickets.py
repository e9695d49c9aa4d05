"""Tickets: the registration's code as a QR code (segno), for the e-mail and the event page.

The QR code holds only the ticket code; the check-in page reads it with the phone's camera
(check_in.js), or takes it typed or from a scanner that types what it reads. It is always a
full QR code: segno would make a Micro QR code of a short text, which phone cameras, the
browser's BarcodeDetector and jsQR do not read.
"""

import segno
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def ticket_qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m")


def qr_svg(code: str, *, scale: int = 5) -> str:
    """An SVG document of the ticket code's QR code (no scripts, no inline styles)."""
    return ticket_qr(code).svg_inline(scale=scale, title=_("Ticket %(code)s") % {"code": code})


def qr_inline(code: str) -> str:
    return mark_safe(qr_svg(code))  # noqa: S308 - segno's own markup around our hex code


def qr_file(code: str) -> str:
    """A standalone SVG file for an e-mail attachment."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + qr_svg(code).replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1
    )
