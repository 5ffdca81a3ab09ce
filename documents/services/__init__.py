"""Every write of the document library, one module per subject: folders, uploads (and
versions), details, the trash, search indexing, and the audit of changes to others' documents.

Imports point one way: uploads → details → audit, indexing; trash → audit; uploads import
documents.tasks at module level, and the tasks import only previews, trash and selectors (in
their bodies), never this package's entry point or uploads. Refusals are ValidationErrors: each
is about the file or the form the person sent.
"""

from documents.services.details import MAX_TAGS, clean_tags, update_document
from documents.services.folders import create_folder, delete_folder, rename_folder
from documents.services.indexing import MAX_TEXT_CHARS, reindex
from documents.services.trash import (
    TRASH_DAYS,
    purge_date,
    purge_trash,
    restore_document,
    trash_document,
)
from documents.services.uploads import (
    StoredUpload,
    Uploaded,
    add_version,
    discard_upload,
    inspect_document_upload,
    restore_version,
    storage_limit,
    storage_used,
    store_upload,
    upload_document,
)

__all__ = [
    "MAX_TAGS",
    "MAX_TEXT_CHARS",
    "TRASH_DAYS",
    "StoredUpload",
    "Uploaded",
    "add_version",
    "clean_tags",
    "create_folder",
    "delete_folder",
    "discard_upload",
    "inspect_document_upload",
    "purge_date",
    "purge_trash",
    "reindex",
    "rename_folder",
    "restore_document",
    "restore_version",
    "storage_limit",
    "storage_used",
    "store_upload",
    "trash_document",
    "update_document",
    "upload_document",
]
