"""Reads of the document library, always through the reader's Access.

`access_document` and `access_folder` fetch one object and check it in one call (Http404 for
"missing" and "not yours" alike): views use them, never a helper of their own.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from communities.permissions import (
    Access,
    can_change_document,
    can_see_document,
    communities_visible_to,
)
from core.search import escape_and_mark, ranked_matches, substring_snippet, uses_full_text
from documents.models import FOLDER_PATH_RELATED, Document, DocumentVersion, Folder, Tag

# How many forgotten versions one sweep hands to workers.
PENDING_BATCH = 200

SORTS = {
    "name": ("title", "id"),
    "-name": ("-title", "-id"),
    "date": ("updated_at", "id"),
    "-date": ("-updated_at", "-id"),
    "size": ("size", "id"),
    "-size": ("-size", "-id"),
}


def _listed(documents: QuerySet[Document]) -> QuerySet[Document]:
    """What a row of a listing shows, fetched in a constant number of queries."""
    return documents.select_related(
        "community", "uploaded_by", "current_version", f"folder__{FOLDER_PATH_RELATED}"
    ).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))


def access_folder(access: Access, folder_id: int) -> Folder:
    """The community's folder `folder_id`, with its ancestors for the breadcrumb; Http404 when
    it is missing or the person may not see the community."""
    if not access.can("community.view"):
        raise Http404
    folder = (
        Folder.objects.filter(community=access.community, pk=folder_id)
        .select_related("community", FOLDER_PATH_RELATED)
        .first()
    )
    if folder is None:
        raise Http404
    return folder


def subfolders(access: Access, folder: Folder | None) -> QuerySet[Folder]:
    """The folders directly inside `folder` (or at the top), with what each holds."""
    if not access.can("community.view"):
        return Folder.objects.none()
    return (
        Folder.objects.filter(community=access.community, parent=folder)
        .select_related("community")
        .annotate(
            document_count=Count(
                "documents", filter=Q(documents__trashed_at__isnull=True), distinct=True
            ),
            folder_count=Count("children", distinct=True),
        )
        .order_by("name", "id")
    )


def library(access: Access, *, folder: Folder | None, filters: dict) -> QuerySet[Document]:
    """Documents of one folder; with a tag, type or uploader filter, of the whole library."""
    if not access.can("community.view"):
        return Document.objects.none()
    documents = Document.objects.live().filter(community=access.community)
    filtering = filters.get("tag") or filters.get("kind") or filters.get("uploader")
    if not filtering:
        documents = documents.filter(folder=folder)
    if filters.get("kind"):
        documents = documents.filter(kind=filters["kind"])
    if filters.get("tag"):
        documents = documents.filter(tags__name__iexact=filters["tag"])
    if filters.get("uploader"):
        documents = documents.filter(uploaded_by__handle__iexact=filters["uploader"])
    return _listed(documents).order_by(*SORTS.get(filters.get("sort"), SORTS["name"]))


def tags_in_use(access: Access) -> list[str]:
    if not access.can("community.view"):
        return []
    return list(
        Tag.objects.filter(community=access.community, documents__trashed_at__isnull=True)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )


def access_document(
    access: Access, document_id: int, *, change: bool = False, live: bool = False
) -> Document:
    """The community's document `document_id` if the person may see it; otherwise Http404.

    A trashed document shows to those who may restore it only (`can_see_document`). With
    `change`, the person must also be allowed to change it (403 otherwise, as for any refused
    action on a thing they see); with `live`, a trashed document is not there (404): editing
    and versioning happen out of the trash.
    """
    if not access.can("community.view"):
        raise Http404
    document = (
        Document.objects.filter(community=access.community, pk=document_id)
        .select_related(
            "community",
            "uploaded_by",
            "trashed_by",
            "current_version",
            f"folder__{FOLDER_PATH_RELATED}",
        )  # fmt: skip
        .prefetch_related("tags")
        .first()
    )
    if document is None or not can_see_document(access, document):
        raise Http404
    if change and not can_change_document(access, document):
        raise PermissionDenied
    if live and document.is_trashed:
        raise Http404
    return document


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    return document.versions.select_related("uploaded_by", "restored_from").order_by("-number")


def trash(access: Access) -> QuerySet[Document]:
    """Trashed documents: all of them for facilitators, their own for other uploaders."""
    documents = Document.objects.trashed().filter(community=access.community)
    if not access.can("document.manage"):
        if not access.can("document.upload"):
            return Document.objects.none()
        documents = documents.filter(uploaded_by=access.user)
    return _listed(documents.select_related("trashed_by")).order_by("-trashed_at", "-id")


def search_documents(
    user, query: str, *, communities=None, author_handle: str = "", since=None, until=None
) -> QuerySet[Document]:
    """Live documents matching `query` in the communities the person may see, best first:
    their title, tags, description and the text of the current version."""
    words = query.split()
    if not words:
        return Document.objects.none()
    visible = communities_visible_to(user)
    if communities is not None:
        visible = visible.filter(pk__in=[community.pk for community in communities])
    documents = _listed(Document.objects.live().filter(community__in=visible.values("pk")))
    if author_handle:
        documents = documents.filter(uploaded_by__handle=author_handle)
    if since:
        documents = documents.filter(updated_at__date__gte=since)
    if until:
        documents = documents.filter(updated_at__date__lte=until)
    if uses_full_text():
        return ranked_matches(documents, query, "-updated_at", "-id")
    for word in words:
        documents = documents.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(tags__name__icontains=word)
            | Q(current_version__text__icontains=word)
        )
    return documents.distinct().order_by("-updated_at", "-id")


def with_snippets(documents: list[Document], query: str) -> list[Document]:
    """Give each found document a `snippet` of its description or text, matches marked."""
    words = [word.lower() for word in query.split()]
    for document in documents:
        source = document.description or (
            document.current_version.text if document.current_version else ""
        )
        document.snippet = escape_and_mark(substring_snippet(source, words)) if source else ""
    return documents


def document_labels(ids) -> dict[int, str]:
    """Current titles of the documents still in the library (not in the trash); the activity
    feed names documents with it (registered in DocumentsConfig.ready)."""
    return dict(Document.objects.live().filter(pk__in=ids).values_list("pk", "title"))


def unprocessed_versions(*, older_than: timedelta) -> list[int]:
    """Versions whose previews were never made (their task was lost), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        DocumentVersion.objects.filter(processed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:PENDING_BATCH]
    )


# --- Community health (the facilitators' dashboard) -----------------------------------------


def has_documents(community) -> bool:
    """Whether the community's library holds a document (the trash left out)."""
    return Document.objects.live().filter(community=community).exists()


def digest_documents(community_ids, *, since, until) -> list[Document]:
    """Documents shared in these communities in [since, until), the trash left out, newest
    first, each with its community (facilitation.digests: one query for a batch of members)."""
    return list(
        Document.objects.live()
        .filter(community_id__in=community_ids, created_at__gte=since, created_at__lt=until)
        .select_related("community")
        # What a digest tells of a document and needs for its address.
        .only("title", "created_at", "uploaded_by_id", "community_id", "community__slug")
        .order_by("-created_at", "-pk")
    )
