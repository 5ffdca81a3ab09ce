"""Images Praxis decodes or stores: one pixel limit, checked before any decode.

A small compressed file can hold a huge image (a 500 KB PNG of 13000 × 13000 pixels takes over a
gigabyte to decode), so every place that decodes an image — avatars, thumbnails, the upload
check — first reads the size from the header, which Pillow parses without decoding, and compares
it with COP_IMAGE_MAX_PIXELS. Over the limit an image is never decoded: an avatar is refused, an
attachment or a library file is kept as a plain file, without thumbnail or inline preview.
"""

import struct
import zlib

from django.conf import settings
from PIL import Image


def max_pixels() -> int:
    """The most pixels an image may have for Praxis to decode it (COP_IMAGE_MAX_PIXELS)."""
    return settings.COP_IMAGE_MAX_PIXELS


def too_many_pixels(image: Image.Image) -> bool:
    """Whether an opened (not yet decoded) image is over the pixel limit."""
    width, height = image.size
    return width * height > max_pixels()


# Metadata stripping works on the container, never on pixels: an image over the pixel limit is
# stored too, and re-encoding would lose quality. Each format keeps an allowlist of what draws the
# picture, so metadata kinds nobody has heard of yet are dropped as well.

_ORIENTATION = 0x0112

# DQT, DHT, DAC (arithmetic tables), DRI, DNL and the SOFn frame headers (0xC0–0xCF less DHT,
# DAC and the reserved JPG marker 0xC8) all describe how to decode the scans.
_JPEG_TABLES = {0xDB, 0xC4, 0xCC, 0xDD, 0xDC} | (set(range(0xC0, 0xD0)) - {0xC8})
_PNG_CHUNKS = set(
    b"IHDR PLTE IDAT IEND tRNS cHRM gAMA iCCP sBIT sRGB cICP mDCV cLLI bKGD hIST pHYs sPLT acTL"
    b" fcTL fdAT".split()
)
_WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
# An application extension opens with an 11-byte block: its name, kept only for looping.
_GIF_LOOPING = {b"\x0bNETSCAPE2.0", b"\x0bANIMEXTS1.0"}


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The image with location and device metadata removed, pixels untouched (lossless)."""
    strip = _STRIPPERS.get(content_type)
    return data if strip is None else strip(data)


def _orientation(exif_data: bytes) -> int:
    """The Orientation tag of an EXIF block (with or without its Exif header), 1 if none."""
    exif = Image.Exif()
    try:
        exif.load(exif_data)
        value = exif.get(_ORIENTATION, 1)
    except Exception:  # An unreadable EXIF block is dropped whole: there is nothing to keep.
        return 1
    return value if isinstance(value, int) and 2 <= value <= 8 else 1


def _orientation_exif(orientation: int) -> bytes:
    """A minimal EXIF block (Exif header and TIFF bytes) holding only the orientation."""
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    return exif.tobytes()


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    kept, after_app0, orientation, pos = [b"\xff\xd8"], 1, 1, 2
    while True:
        if data[pos : pos + 1] != b"\xff":
            raise ValueError("truncated JPEG or no marker where one is due")
        while data[pos : pos + 1] == b"\xff":  # A marker may be preceded by 0xFF fill bytes.
            pos += 1
        if pos + 1 > len(data):
            raise ValueError("truncated JPEG")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: whatever follows (MPF images, payloads) is dropped.
            kept.append(b"\xff\xd9")
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # Standalone markers, no length.
            continue
        length = int.from_bytes(data[pos : pos + 2])  # short when truncated: caught below
        end = pos + length
        if length < 2 or end > len(data):
            raise ValueError("truncated JPEG segment")
        payload = data[pos + 2 : end]
        if (
            marker in _JPEG_TABLES
            or marker == 0xDA
            or (marker == 0xE0 and payload[:5] in (b"JFIF\0", b"JFXX\0"))
            or (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\0"))
            or (marker == 0xEE and payload.startswith(b"Adobe"))
        ):
            kept.append(bytes((0xFF, marker)) + data[pos:end])
            if marker == 0xE0 and len(kept) == after_app0 + 1:
                after_app0 += 1
        elif marker == 0xE1 and payload.startswith(b"Exif\0") and orientation == 1:
            orientation = _orientation(payload)
        pos = end
        if marker == 0xDA:
            pos = _scan_end(data, pos)
            kept.append(data[end:pos])
    if orientation != 1:  # Keep the photo upright: APP1 goes right after SOI and JFIF.
        exif = _orientation_exif(orientation)
        kept.insert(after_app0, b"\xff\xe1" + (len(exif) + 2).to_bytes(2) + exif)
    return b"".join(kept)


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at pos ends: at the next marker but RSTn."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise ValueError("truncated JPEG scan")
        following = data[pos + 1]
        if following != 0 and not 0xD0 <= following <= 0xD7:  # Not stuffed 0xFF, not RSTn.
            return pos
        pos += 2


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + body)
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept, first_idat, orientation, pos = [_PNG_SIGNATURE], None, 1, 8
    while True:
        if pos + 12 > len(data):
            raise ValueError("truncated PNG")
        length, chunk_type = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk runs past the end")
        if chunk_type == b"IDAT" and first_idat is None:
            first_idat = len(kept)
        if chunk_type in _PNG_CHUNKS:
            kept.append(data[pos:end])
        elif chunk_type == b"eXIf" and orientation == 1:
            orientation = _orientation(data[pos + 8 : end - 4])
        pos = end
        if chunk_type == b"IEND":  # Whatever follows IEND is dropped.
            break
    if orientation != 1:  # eXIf must come before the image data (PNG 3rd edition).
        exif = _png_chunk(b"eXIf", _orientation_exif(orientation)[6:])
        kept.insert(len(kept) - 1 if first_idat is None else first_idat, exif)
    return b"".join(kept)


def _strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise ValueError("truncated WebP")
    kept, pos = [b"WEBP"], 12
    while pos < riff_end:  # Bytes after the RIFF payload are dropped.
        if pos + 8 > riff_end:
            raise ValueError("truncated WebP chunk header")
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + size
        if end > riff_end:
            raise ValueError("WebP chunk runs past the end")
        chunk = data[pos:end] + b"\0" * (size & 1)  # Chunks are padded to an even size.
        if fourcc == b"VP8X":
            if size < 10:
                raise ValueError("short VP8X chunk")
            chunk = chunk[:8] + bytes((chunk[8] & ~0x0C,)) + chunk[9:]  # No EXIF, no XMP.
        if fourcc in _WEBP_CHUNKS:
            kept.append(chunk)
        pos = end + (size & 1)
    body = b"".join(kept)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def _gif_sub_blocks_end(data: bytes, pos: int) -> int:
    """Where the data sub-blocks starting at pos end, past their zero-length terminator."""
    while True:
        if pos >= len(data):
            raise ValueError("truncated GIF")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _strip_gif(data: bytes) -> bytes:
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)  # Global color table.
    kept = [data[:pos]]
    while True:
        if pos >= len(data):
            raise ValueError("truncated GIF")
        start, block = pos, data[pos]
        if block == 0x3B:  # Trailer: whatever follows it is dropped.
            kept.append(b";")
            break
        if block == 0x2C:  # Image descriptor, local color table, LZW code size, image data.
            if pos + 11 > len(data):
                raise ValueError("truncated GIF image descriptor")
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            pos = _gif_sub_blocks_end(data, pos)
            kept.append(data[start:pos])
        elif block == 0x21:  # Extension: label, then sub-blocks.
            pos = _gif_sub_blocks_end(data, pos + 2)
            label = data[start + 1]
            if label in (0xF9, 0x01) or (
                label == 0xFF and data[start + 2 : start + 14] in _GIF_LOOPING
            ):
                kept.append(data[start:pos])  # Graphic control, plain text, looping.
        else:
            raise ValueError("unknown GIF block")
    return b"".join(kept)


_STRIPPERS = {
    "image/jpeg": _strip_jpeg,
    "image/png": _strip_png,
    "image/webp": _strip_webp,
    "image/gif": _strip_gif,
}
