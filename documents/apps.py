from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Document library")

    def ready(self) -> None:
        from communities.activity import register_activity_target, register_activity_verb
        from documents.models import Document
        from documents.selectors import document_labels

        register_activity_verb("document.uploaded", _("%(actor)s shared “%(target)s”"))
        register_activity_verb(
            "document.versioned", _("%(actor)s uploaded a new version of “%(target)s”")
        )
        register_activity_target(Document, document_labels)
