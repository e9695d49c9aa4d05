from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_MAX_PIXELS = 4000


def validate_logo(file) -> None:
    """A logo is a PNG, JPEG or WebP image of at most 2 MB and 4000 × 4000 pixels."""
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; it may be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(LOGO_MAX_BYTES)}
        )
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The logo is not an image Klynge can read.")) from None
    finally:
        file.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."))
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("The logo may be at most %(limit)s × %(limit)s pixels.") % {"limit": LOGO_MAX_PIXELS}
        )
