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

from core.images import max_pixels, too_many_pixels

AVATAR_SIZE = 256
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


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
            # Decompression bombs: the pixel count comes from the header, before any decode.
            oversized = too_many_pixels(probe)
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise refused
        if oversized:
            raise ValidationError(
                _(
                    "This image is too large in pixels (%(width)s × %(height)s): at most "
                    "%(megapixels)s million pixels are accepted."
                )
                % {"width": width, "height": height, "megapixels": max_pixels() // 1_000_000},
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
    except Image.DecompressionBombError:
        raise ValidationError(
            _("This image is too large in pixels: at most %(megapixels)s million are accepted.")
            % {"megapixels": max_pixels() // 1_000_000},
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refused from None
    output = io.BytesIO()
    picture.save(output, format="JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
