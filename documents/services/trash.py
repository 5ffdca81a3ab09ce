"""The library's trash: documents wait TRASH_DAYS there before they and their files go."""

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from communities import services as community_services
from documents.events import DocumentEvent
from documents.models import Document
from documents.services.audit import audit_unless_uploader

TRASH_DAYS = 30


@transaction.atomic
def trash_document(document: Document, *, actor: User) -> bool:
    """Put a document in the trash; False when it already is there."""
    if document.is_trashed:
        return False
    document.trashed_at = timezone.now()
    document.trashed_by = actor
    document.save(update_fields=["trashed_at", "trashed_by"])
    community_services.set_target_hidden(document, hidden=True)
    audit_unless_uploader(actor, document, DocumentEvent.DOCUMENT_TRASH)
    return True


@transaction.atomic
def restore_document(document: Document, *, actor: User) -> bool:
    """Take a document out of the trash; False when it is not there."""
    if not document.is_trashed:
        return False
    document.trashed_at = None
    document.trashed_by = None
    document.save(update_fields=["trashed_at", "trashed_by"])
    community_services.set_target_hidden(document, hidden=False)
    audit_unless_uploader(actor, document, DocumentEvent.DOCUMENT_RESTORE)
    return True


def purge_date(document: Document) -> datetime:
    """When a trashed document will be deleted for good."""
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
