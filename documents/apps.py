from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The library's pages, on which its tab is the current one.
LIBRARY_PAGES = (
    "documents",
    "document_upload",
    "documents_trash",
    "folder_new",
    "documents_folder",
    "folder_edit",
    "folder_delete",
    "document",
    "document_edit",
    "document_download",
    "document_thumbnail",
    "document_page",
    "document_version_new",
    "document_version_restore",
    "document_trash",
    "document_restore",
    "document_version_download",
)


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Document library")

    def ready(self) -> None:
        from communities.activity import register_activity_target
        from communities.tabs import register_tab
        from documents.events import register_document_events
        from documents.models import Document
        from documents.selectors import document_labels

        register_document_events()
        register_activity_target(Document, document_labels)
        register_tab(
            name="documents",
            label=_("Documents"),
            url_name="documents",
            order=30,
            active_url_names=LIBRARY_PAGES,
        )
