"""Images Praxis decodes or stores: one pixel limit, checked before any decode.

A small compressed file can hold a huge image (a 500 KB PNG of 13000 × 13000 pixels takes over a
gigabyte to decode), so every place that decodes an image — avatars, thumbnails, the upload
check — first reads the size from the header, which Pillow parses without decoding, and compares
it with COP_IMAGE_MAX_PIXELS. Over the limit an image is never decoded: an avatar is refused, an
attachment or a library file is kept as a plain file, without thumbnail or inline preview.
"""

from django.conf import settings
from PIL import Image


def max_pixels() -> int:
    """The most pixels an image may have for Praxis to decode it (COP_IMAGE_MAX_PIXELS)."""
    return settings.COP_IMAGE_MAX_PIXELS


def too_many_pixels(image: Image.Image) -> bool:
    """Whether an opened (not yet decoded) image is over the pixel limit."""
    width, height = image.size
    return width * height > max_pixels()

