"""Avatar validation and normalisation: what is stored is always a fresh, small JPEG."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

AVATAR_SIZE = 256
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# Refuse images whose pixel count could exhaust memory when decoded (decompression bombs).
MAX_PIXELS = 40_000_000


def normalise_avatar(upload: UploadedFile) -> ContentFile:
    """Check an uploaded avatar is a real image within limits; return it as a square JPEG.

    Re-encoding drops metadata (location, camera) and anything hidden beside the pixels.
    """
    limit = settings.COP_AVATAR_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("This image is %(size)s; the largest accepted is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    refused = ValidationError(
        _("This file is not an image we accept. Upload a JPEG, PNG, GIF or WebP picture."),
        code="not_an_image",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise refused
        if width * height > MAX_PIXELS:
            raise ValidationError(
                _("This image is too large in pixels (%(width)s × %(height)s).")
                % {"width": width, "height": height},
                code="too_many_pixels",
            )
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            picture = ImageOps.exif_transpose(image)
            if picture.mode in ("RGBA", "LA", "P"):
                picture = picture.convert("RGBA")
                background = Image.new("RGB", picture.size, (255, 255, 255))
                background.paste(picture, mask=picture.getchannel("A"))
                picture = background
            else:
                picture = picture.convert("RGB")
            picture = ImageOps.fit(picture, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    output = io.BytesIO()
    picture.save(output, format="JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
