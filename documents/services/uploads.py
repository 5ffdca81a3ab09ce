"""Uploads and versions: files checked, stored, recorded, and handed to a task for previews.

Files are checked by core.uploads before anything is stored, stored under names the app makes,
and removed from storage again when the database refuses the rows. Thumbnails, the page images
of PDFs and text for search are made after commit by documents.previews (through
documents.tasks.process_version).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from core.background import delay_on_commit
from core.markdown import render_markdown
from core.uploads import InspectedUpload, inspect_upload, storage_name, without_metadata
from documents.events import DocumentEvent
from documents.models import Document, DocumentVersion, Folder
from documents.services.audit import audit_unless_uploader
from documents.services.details import set_tags
from documents.services.indexing import index_document
from documents.tasks import process_version


@dataclass(frozen=True)
class StoredUpload:
    """A file checked for the library and already in storage, its rows still to be written."""

    name: str
    inspected: InspectedUpload


@dataclass(frozen=True)
class Uploaded:
    document: Document
    version: DocumentVersion
    # A live document of the community that already holds these exact bytes, if any.
    duplicate_of: Document | None = None


# --- The quota -------------------------------------------------------------------------------


def storage_used(community: Community) -> int:
    """Bytes the library keeps, the trash included (a restored version shares its file)."""
    total = DocumentVersion.objects.filter(
        document__community=community, restored_from__isnull=True
    ).aggregate(total=Sum("size"))["total"]
    return total or 0


def storage_limit(community: Community) -> int | None:
    """Bytes the library may keep; None when there is no limit."""
    if community.storage_limit_mb is None:
        return None
    return community.storage_limit_mb * 1024 * 1024


def _check_quota(community: Community, inspected: InspectedUpload) -> None:
    limit = storage_limit(community)
    if limit is None:
        return
    used = storage_used(community)
    if used + inspected.size > limit:
        raise ValidationError(
            _(
                "“%(name)s” (%(size)s) does not fit: the library uses %(used)s of its %(limit)s. "
                "Ask a facilitator to empty the trash or raise the limit."
            ),
            code="quota",
            params={
                "name": inspected.name,
                "size": filesizeformat(inspected.size),
                "used": filesizeformat(used),
                "limit": filesizeformat(limit),
            },
        )


# --- Files -----------------------------------------------------------------------------------


def inspect_document_upload(upload) -> InspectedUpload:
    """Check a file for the library: any accepted kind; videos may be larger than the rest."""
    general = settings.COP_UPLOAD_MAX_BYTES
    largest = max(general, settings.COP_VIDEO_MAX_BYTES)
    inspected = inspect_upload(upload, max_bytes=largest)
    if inspected.kind != "video" and inspected.size > general:
        raise ValidationError(
            _(
                "“%(name)s” is %(size)s; the largest file accepted is %(limit)s "
                "(videos: %(video)s)."
            ),
            code="too_large",
            params={
                "name": inspected.name,
                "size": filesizeformat(inspected.size),
                "limit": filesizeformat(general),
                "video": filesizeformat(settings.COP_VIDEO_MAX_BYTES),
            },
        )
    return inspected


def _store(community: Community, upload, inspected: InspectedUpload) -> str:
    upload.seek(0)
    return default_storage.save(storage_name(f"documents/{community.pk}", inspected), upload)


def store_upload(community: Community, upload) -> StoredUpload:
    """Check a file for the library and put it in storage, before any row is written: the long
    part of an upload holds no transaction. Raises ValidationError naming a refused file."""
    # Images are stored without their location and device metadata.
    upload, inspected = without_metadata(upload, inspect_document_upload(upload))
    _check_quota(community, inspected)
    return StoredUpload(_store(community, upload, inspected), inspected)


def discard_upload(stored: StoredUpload) -> None:
    """Remove a stored file that no row came to hold (refused, or the same form sent twice)."""
    default_storage.delete(stored.name)


def _duplicate_of(community: Community, sha256: str, exclude: Document | None = None):
    documents = Document.objects.live().filter(community=community, current_version__sha256=sha256)
    if exclude is not None:
        documents = documents.exclude(pk=exclude.pk)
    # The oldest holder of these bytes is the one to point to.
    return documents.select_related("community").order_by("created_at", "id").first()


def _title_from(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return (stem if dot and stem else name)[:255]


def _after_commit_process(version: DocumentVersion) -> None:
    # With the broker down the upload still succeeds; process_pending picks the version up.
    delay_on_commit(process_version, version.pk)


# --- Documents and versions ------------------------------------------------------------------


def _new_version(
    document: Document, *, stored: str, inspected: InspectedUpload, actor: User, note: str,
    restored_from: DocumentVersion | None = None,
) -> DocumentVersion:  # fmt: skip
    number = document.version_count + 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        file=stored,
        name=inspected.name,
        size=inspected.size,
        content_type=inspected.content_type,
        kind=inspected.kind,
        sha256=inspected.sha256,
        note=note,
        uploaded_by=actor,
        restored_from=restored_from,
    )
    document.current_version = version
    document.kind = version.kind
    document.content_type = version.content_type
    document.size = version.size
    document.version_count = number
    document.updated_at = version.created_at
    document.save(
        update_fields=[
            "current_version",
            "kind",
            "content_type",
            "size",
            "version_count",
            "updated_at",
        ]
    )
    return version


def upload_document(
    community: Community, *, upload: File | StoredUpload, actor: User,
    folder: Folder | None = None, title: str = "", description: str = "",
    tags: list[str] | tuple = (),
) -> Uploaded:  # fmt: skip
    """Add a document from an uploaded file (or one store_upload() already stored). Raises
    ValidationError (with a message naming the file) for a refused file or a full library;
    nothing is kept then."""
    if folder is not None and folder.community_id != community.pk:
        if isinstance(upload, StoredUpload):
            discard_upload(upload)
        raise ValidationError(_("That folder belongs to another community."))
    stored = upload if isinstance(upload, StoredUpload) else store_upload(community, upload)
    inspected = stored.inspected
    try:
        with transaction.atomic():
            # Checked again with the rows: files of the same batch written since count now.
            _check_quota(community, inspected)
            duplicate = _duplicate_of(community, inspected.sha256)
            document = Document.objects.create(
                community=community,
                folder=folder,
                title=(title.strip() or _title_from(inspected.name))[:255],
                description=description,
                description_html=render_markdown(description) if description else "",
                kind=inspected.kind,
                content_type=inspected.content_type,
                uploaded_by=actor,
            )
            set_tags(document, tags)
            version = _new_version(
                document, stored=stored.name, inspected=inspected, actor=actor, note=""
            )
            index_document(document)
            community_services.record_activity(
                community, actor, DocumentEvent.DOCUMENT_UPLOAD, document
            )
            _after_commit_process(version)
    except BaseException:
        discard_upload(stored)
        raise
    return Uploaded(document, version, duplicate)


def add_version(
    document: Document, *, upload: File | StoredUpload, actor: User, note: str = ""
) -> Uploaded:
    """Upload a new version of a document (or one store_upload() already stored); it becomes
    the current one."""
    community = document.community
    stored = upload if isinstance(upload, StoredUpload) else store_upload(community, upload)
    inspected = stored.inspected
    try:
        with transaction.atomic():
            _check_quota(community, inspected)
            duplicate = _duplicate_of(community, inspected.sha256, exclude=document)
            document = Document.objects.select_for_update().get(pk=document.pk)
            version = _new_version(
                document, stored=stored.name, inspected=inspected, actor=actor, note=note.strip()
            )
            index_document(document)
            community_services.record_activity(
                community, actor, DocumentEvent.DOCUMENT_VERSION, document
            )
            audit_unless_uploader(
                actor, document, DocumentEvent.DOCUMENT_VERSION, version=version.number
            )
            _after_commit_process(version)
    except BaseException:
        discard_upload(stored)
        raise
    return Uploaded(document, version, duplicate)


def restore_version(
    document: Document, version: DocumentVersion, *, actor: User
) -> DocumentVersion:
    """Make an older version current again: a new version sharing its file; history kept."""
    if version.document_id != document.pk:
        raise ValidationError(_("That version belongs to another document."))
    original = version.restored_from or version
    inspected = InspectedUpload(
        name=version.name,
        extension="",
        content_type=version.content_type,
        kind=version.kind,
        size=version.size,
        sha256=version.sha256,
    )
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        # Decided on the locked row: the caller's copy may predate a version added since.
        if version.pk == document.current_version_id:
            raise ValidationError(_("This version is already the current one."))
        restored = _new_version(
            document,
            stored=version.file.name,
            inspected=inspected,
            actor=actor,
            note=_("Restored version %(number)s") % {"number": version.number},
            restored_from=original,
        )
        # Same bytes: the thumbnail, the page images and the text carry over (shared files,
        # deleted once when the document is purged).
        restored.thumbnail = version.thumbnail.name
        restored.text = version.text
        restored.page_count = version.page_count
        restored.preview_pages = list(version.preview_pages)
        restored.processed_at = version.processed_at
        restored.save(
            update_fields=["thumbnail", "text", "page_count", "preview_pages", "processed_at"]
        )
        if restored.processed_at is None:
            # The older version was not processed yet: nothing would ever process the copy.
            _after_commit_process(restored)
        index_document(document)
        community_services.record_activity(
            document.community, actor, DocumentEvent.DOCUMENT_VERSION, document
        )
        audit_unless_uploader(
            actor,
            document,
            DocumentEvent.DOCUMENT_VERSION,
            version=restored.number,
            restored_from=version.number,
        )
    return restored
