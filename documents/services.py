"""Writes of the document library: folders, uploads, versions, the trash and the quota.

Files are checked by core.uploads before anything is stored, stored under names the app makes,
and removed from storage again when the database refuses the rows. Thumbnails, the page images
of PDFs and text for search are made after commit by documents.previews (through
documents.tasks.process_version).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum, Value
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from core.background import delay_on_commit
from core.markdown import render_markdown
from core.search import SEARCH_CONFIGS, uses_full_text
from core.uploads import InspectedUpload, inspect_upload, storage_name, without_metadata
from documents.models import MAX_FOLDER_DEPTH, Document, DocumentVersion, Folder, Tag

TRASH_DAYS = 30
# How many forgotten versions one sweep hands to workers.
PENDING_BATCH = 200
MAX_TAGS = 10
# How much extracted text a version keeps for search.
MAX_TEXT_CHARS = 100_000


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


# --- Folders ---------------------------------------------------------------------------------


def _check_folder_name(community: Community, parent: Folder | None, name: str, exclude=None):
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the folder a name."))
    siblings = Folder.objects.filter(community=community, parent=parent, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise ValidationError(
            _("This folder already holds a folder named “%(name)s”."), params={"name": name}
        )
    return name


def create_folder(community: Community, *, parent: Folder | None, name: str, by: User) -> Folder:
    if parent is not None and parent.community_id != community.pk:
        raise ValidationError(_("That folder belongs to another community."))
    depth = 1 if parent is None else parent.depth + 1
    if depth > MAX_FOLDER_DEPTH:
        raise ValidationError(
            _("Folders nest at most %(depth)s levels deep."), params={"depth": MAX_FOLDER_DEPTH}
        )
    name = _check_folder_name(community, parent, name)
    return Folder.objects.create(
        community=community, parent=parent, name=name, depth=depth, created_by=by
    )


def rename_folder(folder: Folder, *, name: str, by: User) -> Folder:
    folder.name = _check_folder_name(folder.community, folder.parent, name, exclude=folder)
    folder.save(update_fields=["name"])
    return folder


def delete_folder(folder: Folder, *, by: User) -> None:
    """Delete an empty folder. Documents of it waiting in the trash go back to the top of the
    library if they are restored."""
    if folder.children.exists() or folder.documents.live().exists():
        raise ValidationError(
            _("Only an empty folder can be deleted: move or delete what it holds first.")
        )
    folder.delete()


# --- Uploads ---------------------------------------------------------------------------------


def storage_used(community: Community) -> int:
    """Bytes the library keeps, the trash included (a restored version shares its file)."""
    total = DocumentVersion.objects.filter(
        document__community=community, restored_from__isnull=True
    ).aggregate(total=Sum("size"))["total"]
    return total or 0


def storage_limit(community: Community) -> int | None:
    if community.storage_limit_mb is None:
        return None
    return community.storage_limit_mb * 1024 * 1024


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


def _store(community: Community, upload, inspected: InspectedUpload) -> str:
    upload.seek(0)
    return default_storage.save(storage_name(f"documents/{community.pk}", inspected), upload)


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
    from documents.tasks import process_version

    # With the broker down the upload still succeeds; process_pending picks the version up.
    delay_on_commit(process_version, version.pk)


def unprocessed_versions(*, older_than: timedelta) -> list[int]:
    """Versions whose previews were never made (their task was lost), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        DocumentVersion.objects.filter(processed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:PENDING_BATCH]
    )


def _new_version(
    document: Document, *, stored: str, inspected: InspectedUpload, by: User, note: str,
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
        uploaded_by=by,
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


def upload_document(
    community: Community, *, upload: File | StoredUpload, by: User,
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
                uploaded_by=by,
            )
            _set_tags(document, tags)
            version = _new_version(
                document, stored=stored.name, inspected=inspected, by=by, note=""
            )
            _index_for_search(document)
            community_services.record_activity(community, by, "document.uploaded", document)
            _after_commit_process(version)
    except BaseException:
        discard_upload(stored)
        raise
    return Uploaded(document, version, duplicate)


def add_version(
    document: Document, *, upload: File | StoredUpload, by: User, note: str = ""
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
                document, stored=stored.name, inspected=inspected, by=by, note=note.strip()
            )
            _index_for_search(document)
            community_services.record_activity(community, by, "document.versioned", document)
            _after_commit_process(version)
    except BaseException:
        discard_upload(stored)
        raise
    return Uploaded(document, version, duplicate)


def restore_version(document: Document, version: DocumentVersion, *, by: User) -> DocumentVersion:
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
            by=by,
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
        _index_for_search(document)
        community_services.record_activity(document.community, by, "document.versioned", document)
    return restored


# --- Details ---------------------------------------------------------------------------------


def clean_tags(raw: str | list) -> list[str]:
    """Tags from a comma-separated field: trimmed, de-duplicated (case-insensitively)."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags: dict[str, str] = {}
    for item in items:
        tag = " ".join(str(item).split())[:50]
        if tag:
            tags.setdefault(tag.lower(), tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(count)s tags."), params={"count": MAX_TAGS})
    return list(tags.values())


def _set_tags(document: Document, names) -> None:
    names = clean_tags(names)
    existing = {
        tag.name.lower(): tag
        for tag in Tag.objects.filter(community=document.community_id).filter(name__in=names)
    }
    # Case-insensitive reuse of an existing tag of another spelling.
    if len(existing) < len(names):
        lowered = [name.lower() for name in names]
        query = Q()
        for name in lowered:
            query |= Q(name__iexact=name)
        for tag in Tag.objects.filter(community=document.community_id).filter(query):
            existing.setdefault(tag.name.lower(), tag)
    tags = [
        existing.get(name.lower())
        # get_or_create: a tag another upload has just made is reused, not a unique-key error.
        or Tag.objects.get_or_create(community_id=document.community_id, name=name)[0]
        for name in names
    ]
    document.tags.set(tags)


def update_document(
    document: Document, *, by: User, title: str, description: str, tags, folder: Folder | None
) -> Document:
    if folder is not None and folder.community_id != document.community_id:
        raise ValidationError(_("That folder belongs to another community."))
    with transaction.atomic():
        document.title = title.strip()[:255] or document.title
        document.description = description
        document.description_html = render_markdown(description) if description else ""
        document.folder = folder
        document.save(update_fields=["title", "description", "description_html", "folder"])
        _set_tags(document, tags)
        _index_for_search(document)
    return document


# --- Trash -----------------------------------------------------------------------------------


def trash_document(document: Document, *, by: User) -> None:
    if document.is_trashed:
        return
    document.trashed_at = timezone.now()
    document.trashed_by = by
    document.save(update_fields=["trashed_at", "trashed_by"])
    community_services.set_target_hidden(document, hidden=True)


def restore_document(document: Document, *, by: User) -> None:
    if not document.is_trashed:
        return
    document.trashed_at = None
    document.trashed_by = None
    document.save(update_fields=["trashed_at", "trashed_by"])
    community_services.set_target_hidden(document, hidden=False)


def purge_date(document: Document):
    return document.trashed_at + timedelta(days=TRASH_DAYS)


def purge_trash(now=None) -> int:
    """Delete documents trashed more than TRASH_DAYS ago, with every stored file of theirs.
    Returns how many documents went."""
    cutoff = (now or timezone.now()) - timedelta(days=TRASH_DAYS)
    purged = 0
    for document in Document.objects.filter(trashed_at__lt=cutoff).iterator():
        names = set()
        stored = document.versions.values_list("file", "thumbnail", "preview_pages")
        for file_name, thumbnail, pages in stored:
            names.update(name for name in (file_name, thumbnail, *pages) if name)
        with transaction.atomic():
            Document.objects.filter(pk=document.pk).update(current_version=None)
            document.delete()
        for name in names:
            default_storage.delete(name)
        purged += 1
    return purged


# --- Search ----------------------------------------------------------------------------------


def _index_for_search(document: Document) -> None:
    """Title (A), tags (A), description (B) and the current version's text (C)."""
    if not uses_full_text():
        return
    from django.contrib.postgres.search import SearchVector

    config = SEARCH_CONFIGS.get(document.community.language, "simple")
    tags = " ".join(document.tags.values_list("name", flat=True))
    text = ""
    if document.current_version_id:
        text = (
            DocumentVersion.objects.filter(pk=document.current_version_id)
            .values_list("text", flat=True)
            .first()
            or ""
        )
    vector = (
        SearchVector(Value(document.title), weight="A", config=config)
        + SearchVector(Value(tags), weight="A", config=config)
        + SearchVector(Value(document.description), weight="B", config=config)
        + SearchVector(Value(text[:MAX_TEXT_CHARS]), weight="C", config=config)
    )
    Document.objects.filter(pk=document.pk).update(search_vector=vector)


def reindex(document: Document) -> None:
    _index_for_search(document)
