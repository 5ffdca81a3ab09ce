"""A document's details: title, description, tags and folder."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core.markdown import render_markdown
from documents.events import DocumentEvent
from documents.models import Document, Folder, Tag
from documents.services.audit import audit_unless_uploader
from documents.services.indexing import index_document

MAX_TAGS = 10


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


def set_tags(document: Document, names) -> None:
    """Tag a document, reusing the community's tags whatever their case."""
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
    document: Document, *, actor: User, title: str, description: str, tags, folder: Folder | None
) -> Document:
    """Change a document's title, description, tags and folder; audited when not the sharer's."""
    if folder is not None and folder.community_id != document.community_id:
        raise ValidationError(_("That folder belongs to another community."))
    with transaction.atomic():
        document.title = title.strip()[:255] or document.title
        document.description = description
        document.description_html = render_markdown(description) if description else ""
        document.folder = folder
        document.save(update_fields=["title", "description", "description_html", "folder"])
        set_tags(document, tags)
        index_document(document)
        audit_unless_uploader(actor, document, DocumentEvent.DOCUMENT_EDIT)
    return document
