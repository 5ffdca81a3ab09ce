"""Previews of library files, made once per version after its upload (documents.tasks runs
`process_version`): a JPEG thumbnail of an image, the first pages of a PDF drawn as images on the
server, and the text of PDFs and text files for search.

A member's browser is never handed a PDF to render. A PDF can carry scripts (an /OpenAction
alert, a fake password prompt from `app.response`) that a browser's PDF viewer runs in a frame of
our origin; PDFium here runs none (pypdfium2's PDFium is built without V8, and forms are never
initialised), so the page images are inert pixels. A page is drawn at a scale that keeps its
bitmap within PAGE_BOX whatever size the page declares, and an image is only decoded once its
header shows it within the pixel limit of core.images.
"""

import io
import logging
import math
import threading
import uuid
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageOps

from core.images import too_many_pixels
from documents.models import DocumentVersion
from documents.services.indexing import MAX_TEXT_CHARS, reindex

logger = logging.getLogger(__name__)

THUMBNAIL_BOX = (480, 480)
# The formats the upload check accepts as images (core.uploads): nothing else is ever decoded.
THUMBNAIL_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# Text extraction stays cheap: the first pages of a PDF, the first bytes of a text file.
PDF_PAGES_READ = 30
# A larger PDF (scans, mostly) is neither read nor drawn: a damaged one can take a long time.
PDF_TEXT_MAX_BYTES = 25 * 1024 * 1024
TEXT_BYTES_READ = 256 * 1024
# How many pages of a PDF the document page shows, and the box each is drawn within (pixels):
# a letter or A4 page comes out 1000 pixels wide, a very tall or wide one smaller.
PREVIEW_PAGES = 5
PAGE_BOX = (1000, 2000)
PAGE_QUALITY = 80
# The type of a stored page image, by the extension it was stored with.
PAGE_CONTENT_TYPES = {".webp": "image/webp", ".png": "image/png"}

# PDFium is not thread-safe, and one process may draw in several threads (the development and
# test servers run a request, and the upload's inline task, per thread).
_pdfium_lock = threading.Lock()


@dataclass
class Previews:
    """What one run made for a version: stored names and text, not yet on the row."""

    thumbnail: str = ""
    text: str = ""
    page_count: int | None = None
    preview_pages: list[str] = field(default_factory=list)

    def stored(self) -> list[str]:
        return [name for name in (self.thumbnail, *self.preview_pages) if name]


# --- Images ----------------------------------------------------------------------------------


def _jpeg(image: Image.Image) -> bytes:
    """A decoded image as a JPEG within THUMBNAIL_BOX, transparency on white."""
    image.thumbnail(THUMBNAIL_BOX)
    if image.mode not in {"RGB", "L"}:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def thumbnail_jpeg(source: BinaryIO) -> bytes | None:
    """The JPEG thumbnail of an image file, or None for an image over the pixel limit (which is
    never decoded: a small file can hold a gigabyte of pixels)."""
    try:
        image = Image.open(source, formats=THUMBNAIL_FORMATS)
    except Image.DecompressionBombError:  # Pillow's own guard, far above ours
        return None
    with image:
        # Opening parsed the header only: the size is known before any pixel is decoded.
        if too_many_pixels(image):
            return None
        # JPEG: decode at the smallest scale that still covers the box (a fraction of the memory).
        image.draft("RGB", THUMBNAIL_BOX)
        return _jpeg(ImageOps.exif_transpose(image))


# --- PDF -------------------------------------------------------------------------------------


def page_scale(width: float, height: float) -> float:
    """The scale that draws a page of this size (PDF units) within PAGE_BOX."""
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise ValueError(f"a page of {width} × {height}")
    scale = min(PAGE_BOX[0] / width, PAGE_BOX[1] / height)
    # PDFium's bitmap is ceil(size × scale): shave the float error that would round up past it.
    return scale * (1 - 1e-9)


def _bounded_bitmap(width: int, height: int, **kwargs):
    """A bitmap for PDFium to draw into, refused past PAGE_BOX (the scale should see to it)."""
    import pypdfium2

    if width > PAGE_BOX[0] or height > PAGE_BOX[1]:
        raise ValueError(f"a page bitmap of {width} × {height}")
    return pypdfium2.PdfBitmap.new_native(width, height, **kwargs)


def render_pdf_pages(data: bytes, *, pages: int = PREVIEW_PAGES) -> tuple[int, list[Image.Image]]:
    """(page count, the first `pages` pages drawn as images) of a PDF. Raises pypdfium2's
    PdfiumError for a damaged PDF or one that needs a password."""
    import pypdfium2

    images = []
    with _pdfium_lock:
        pdf = pypdfium2.PdfDocument(data)
        try:
            count = len(pdf)
            for index in range(min(count, pages)):
                page = pdf[index]
                try:
                    # No init_forms(): form fields are drawn from their appearance only, and no
                    # form environment (where PDF JavaScript would run) ever exists.
                    bitmap = page.render(
                        scale=page_scale(*page.get_size()),
                        may_draw_forms=False,
                        bitmap_maker=_bounded_bitmap,
                    )
                    images.append(bitmap.to_pil().convert("RGB"))  # a copy of the pixels
                    bitmap.close()
                finally:
                    page.close()
        finally:
            pdf.close()
    return count, images


def _page_webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=PAGE_QUALITY, method=4)
    return out.getvalue()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return ""
    parts: list[str] = []
    for page in reader.pages[:PDF_PAGES_READ]:
        parts.append(page.extract_text() or "")
        if sum(map(len, parts)) > MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


# --- One version -----------------------------------------------------------------------------


def _save(version: DocumentVersion, folder: str, extension: str, content: bytes) -> str:
    name = f"documents/{version.document.community_id}/{folder}/{uuid.uuid4().hex}{extension}"
    return default_storage.save(name, ContentFile(content))


def _warn(version: DocumentVersion, what: str) -> None:
    # A damaged file keeps its download; it just has no preview or text.
    logger.warning("Could not %s of document version %s", what, version.pk, exc_info=True)


def _pdf_previews(version: DocumentVersion, made: Previews) -> None:
    with version.file.open("rb") as source:
        data = source.read()  # at most PDF_TEXT_MAX_BYTES: make_previews checked the size
    try:
        made.page_count, images = render_pdf_pages(data)
        for image in images:
            made.preview_pages.append(_save(version, "pages", ".webp", _page_webp(image)))
        if images:
            made.thumbnail = _save(version, "thumbs", ".jpg", _jpeg(images[0]))
    except Exception:
        _warn(version, "draw the pages")
        for name in made.stored():
            default_storage.delete(name)
        made.page_count, made.preview_pages, made.thumbnail = None, [], ""
    try:
        made.text = _pdf_text(data)
    except Exception:
        _warn(version, "read the text")


def make_previews(version: DocumentVersion) -> Previews:
    """Make and store a version's thumbnail and page images and read its text; nothing is
    written to its row (see process_version)."""
    made = Previews()
    try:
        if version.kind == "image":
            with version.file.open("rb") as source:
                jpeg = thumbnail_jpeg(source)
            if jpeg is not None:
                made.thumbnail = _save(version, "thumbs", ".jpg", jpeg)
        elif version.kind == "pdf" and version.size <= PDF_TEXT_MAX_BYTES:
            _pdf_previews(version, made)
        elif version.kind == "text":
            with version.file.open("rb") as source:
                made.text = source.read(TEXT_BYTES_READ).decode("utf-8", errors="ignore")
    except Exception:
        _warn(version, "process the file")
    made.text = made.text.replace("\x00", "")[:MAX_TEXT_CHARS]
    return made


def process_version(version: DocumentVersion) -> bool:
    """Make a version's previews and text and record them, once: False when another run got
    there first (what this run stored is deleted then)."""
    made = make_previews(version)
    claimed = DocumentVersion.objects.filter(pk=version.pk, processed_at__isnull=True).update(
        thumbnail=made.thumbnail,
        text=made.text,
        page_count=made.page_count,
        preview_pages=made.preview_pages,
        processed_at=timezone.now(),
    )
    if not claimed:
        for name in made.stored():
            default_storage.delete(name)
        return False
    document = version.document
    if document.current_version_id == version.pk:
        reindex(document)
    return True
