"""Background work of the document library: thin, taking ids, safe to run twice."""

import io
import logging
import uuid

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageOps

from documents import services
from documents.models import DocumentVersion

logger = logging.getLogger(__name__)

THUMBNAIL_BOX = (480, 480)
# Text extraction stays cheap: the first pages of a PDF, the first bytes of a text file.
PDF_PAGES_READ = 30
# A larger PDF (scans, mostly) is not read at all: a damaged one can take pypdf a long time.
PDF_TEXT_MAX_BYTES = 25 * 1024 * 1024
TEXT_BYTES_READ = 256 * 1024


def _thumbnail(version: DocumentVersion) -> str:
    with version.file.open("rb") as source, Image.open(source) as image:
        image.draft("RGB", THUMBNAIL_BOX)
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_BOX)
        if image.mode not in {"RGB", "L"}:
            background = Image.new("RGB", image.size, "white")
            background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
            image = background
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    name = f"documents/{version.document.community_id}/thumbs/{uuid.uuid4().hex}.jpg"
    return default_storage.save(name, ContentFile(out.getvalue()))


def _pdf_text(version: DocumentVersion) -> str:
    from pypdf import PdfReader

    parts: list[str] = []
    with version.file.open("rb") as source:
        reader = PdfReader(source)
        if reader.is_encrypted:
            return ""
        for page in reader.pages[:PDF_PAGES_READ]:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > services.MAX_TEXT_CHARS:
                break
    return "\n".join(parts)


def _plain_text(version: DocumentVersion) -> str:
    with version.file.open("rb") as source:
        return source.read(TEXT_BYTES_READ).decode("utf-8", errors="ignore")


@shared_task
def process_version(version_id: int) -> bool:
    """Make a version's thumbnail (images) and read its text for search (PDF and text files),
    once. Returns whether anything was done."""
    version = (
        DocumentVersion.objects.filter(pk=version_id, processed_at__isnull=True)
        .select_related("document__community")
        .first()
    )
    if version is None:
        return False
    thumbnail, text = "", ""
    try:
        if version.kind == "image":
            thumbnail = _thumbnail(version)
        elif version.kind == "pdf" and version.size <= PDF_TEXT_MAX_BYTES:
            text = _pdf_text(version)
        elif version.kind == "text":
            text = _plain_text(version)
    except Exception:  # a damaged file keeps its download; it just has no preview or text
        logger.warning("Could not process document version %s", version_id, exc_info=True)
    text = text.replace("\x00", "")[: services.MAX_TEXT_CHARS]
    claimed = DocumentVersion.objects.filter(pk=version.pk, processed_at__isnull=True).update(
        thumbnail=thumbnail, text=text, processed_at=timezone.now()
    )
    if not claimed:
        # Another run got there first: drop our copy of the thumbnail.
        if thumbnail:
            default_storage.delete(thumbnail)
        return False
    document = version.document
    if document.current_version_id == version.pk:
        services.reindex(document)
    return True


@shared_task
def purge_trash() -> int:
    """Remove documents trashed more than 30 days ago, and their files."""
    return services.purge_trash()
