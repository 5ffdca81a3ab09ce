"""Search vectors of documents (PostgreSQL full-text search; nothing to do in the embedded
mode)."""

from django.db.models import Value

from core.search import SEARCH_CONFIGS, uses_full_text
from documents.models import Document, DocumentVersion

# How much extracted text a version keeps for search.
MAX_TEXT_CHARS = 100_000


def index_document(document: Document) -> None:
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
    """Recompute a document's search vector (after its current version's text was read)."""
    index_document(document)
