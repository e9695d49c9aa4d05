"""Validation of uploaded resource photos (the same checks as the ecosystem's logos, with limits
that fit a photo taken with a phone)."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"PNG", "JPEG", "WEBP"}
PHOTO_MAX_PIXELS = 8000


def validate_photo(file) -> None:
    """A photo is a PNG, JPEG or WebP image of at most 8 MB and 8000 × 8000 pixels."""
    if file.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size)s; it may be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(PHOTO_MAX_BYTES)},
            code="too_large",
        )
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The photo is not an image Klynge can read."), code="unreadable"
        ) from None
    finally:
        file.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(_("The photo must be a PNG, JPEG or WebP image."), code="format")
    if width > PHOTO_MAX_PIXELS or height > PHOTO_MAX_PIXELS:
        raise ValidationError(
            _("The photo may be at most %(limit)s × %(limit)s pixels.")
            % {"limit": PHOTO_MAX_PIXELS},
            code="too_many_pixels",
        )
