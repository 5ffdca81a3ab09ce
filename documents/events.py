"""The library's events: audit actions and feed verbs (see communities.events)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.events import register_events


class DocumentEvent(models.TextChoices):
    DOCUMENT_UPLOAD = "document.upload", _("Document shared")
    DOCUMENT_VERSION = "document.version", _("New version of a document")
    DOCUMENT_EDIT = "document.edit", _("Document details changed")
    DOCUMENT_TRASH = "document.trash", _("Document moved to the trash")
    DOCUMENT_RESTORE = "document.restore", _("Document restored from the trash")


def register_document_events() -> None:
    event = DocumentEvent
    register_events(
        event,
        feed={
            event.DOCUMENT_UPLOAD: _("%(actor)s shared “%(target)s”"),
            event.DOCUMENT_VERSION: _("%(actor)s uploaded a new version of “%(target)s”"),
        },
    )
