"""Reads of the knowledge base: the entries a person may see, one entry and its sources (named
hidden when their object is gone or hidden from the reader), what a promotion starts from,
the entries due for review, and the digest section."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from assessments import selectors as assessment_selectors
from communities.models import Community, Membership
from communities.permissions import (
    Access,
    allows_public_knowledge,
    can_see_document,
    can_see_knowledge_entry,
    can_see_post,
    can_see_thread,
    can_see_value_story,
)
from documents import selectors as document_selectors
from facilitation.knowledge.services import SourceRef
from facilitation.models import KnowledgeEntry, KnowledgeSource
from forums import selectors as forum_selectors

Status = KnowledgeEntry.Status
Visibility = KnowledgeEntry.Visibility


def entries_of(access: Access, *, status: str = "", tag: str = "", text: str = "") -> QuerySet:
    """The community's entries this person may see, newest first (the same rule as
    can_see_knowledge_entry, as a filter): facilitators every entry (by `status` when given),
    stewards their own, members the published ones, anyone the published public ones where
    public knowledge is allowed."""
    community = access.community
    entries = KnowledgeEntry.objects.filter(community=community)
    public = Q(status=Status.PUBLISHED, visibility=Visibility.PUBLIC)
    if access.can("community.view") and access.can("community.facilitate"):
        if status in Status.values:
            entries = entries.filter(status=status)
    else:
        shown = Q(pk__in=[])
        if allows_public_knowledge(community):
            shown |= public
        if access.can("community.view") and access.is_member:
            shown |= Q(status=Status.PUBLISHED) | Q(steward=access.user)
        entries = entries.filter(shown)
        if status in Status.values:
            entries = entries.filter(status=status)
    if tag:
        entries = entries.filter(tags__contains=f",{tag.strip().lower()},")
    if text:
        entries = entries.filter(Q(title__icontains=text) | Q(summary__icontains=text))
    return entries.select_related("community", "steward").order_by(
        "-published_at", "-created_at", "-pk"
    )


def tags_in_use(entries: QuerySet) -> list[str]:
    """The tags of these entries, sorted (one query)."""
    tags: set[str] = set()
    for stored in entries.order_by().values_list("tags", flat=True).distinct():
        tags.update(tag for tag in stored.split(",") if tag)
    return sorted(tags)


def access_entry(access: Access, entry_id: int) -> KnowledgeEntry:
    """The community's entry `entry_id` if this person may see it; otherwise Http404."""
    entry = (
        KnowledgeEntry.objects.filter(community=access.community, pk=entry_id)
        .select_related("community", "steward")
        .first()
    )
    if entry is None or not can_see_knowledge_entry(access, entry):
        raise Http404
    return entry


@dataclass(frozen=True)
class ShownSource:
    kind: str
    label: str
    title: str
    url: str  # empty when the reader gets no link
    hidden: bool


def _shown(access: Access, source: KnowledgeSource) -> tuple[bool, bool]:
    """(hidden, may follow the link) of one source for this reader."""
    kind = KnowledgeSource.Kind
    if source.kind == kind.THREAD:
        thread = source.thread
        if thread is None or thread.hidden_at is not None:
            return True, False
        seen = can_see_thread(access, thread)
    elif source.kind == kind.POST:
        post = source.post
        if post is None or not post.is_visible or post.thread.hidden_at is not None:
            return True, False
        seen = can_see_thread(access, post.thread) and can_see_post(access, post)
    elif source.kind == kind.DOCUMENT:
        document = source.document
        if document is None or document.trashed_at is not None:
            return True, False
        seen = can_see_document(access, document)
    else:
        story = source.value_story
        if story is None:
            return True, False
        seen = can_see_value_story(access, story)
    return (not seen), seen


def sources_of(access: Access, entry: KnowledgeEntry) -> list[ShownSource]:
    """The entry's sources in order, each named by the title kept at promotion; hidden when its
    object was deleted, hidden or trashed, or is out of this reader's sight (no link then, and
    nothing of its text). One query."""
    sources = entry.sources.select_related("thread", "post__thread", "document", "value_story")
    shown = []
    for source in sources:
        hidden, linked = _shown(access, source)
        shown.append(
            ShownSource(
                kind=source.kind,
                label=source.get_kind_display(),
                title=source.title,
                url=source.url if linked and not hidden else "",
                hidden=hidden,
            )
        )
    return shown


def plain_summary(entry: KnowledgeEntry, *, length: int = 200) -> str:
    """The summary as plain text, cut to `length` characters (for sharing and feeds)."""
    text = " ".join(strip_tags(entry.summary_html).split())
    return Truncator(text).chars(length)


# --- What a promotion starts from --------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """The sources chosen and the form's first values."""

    sources: list[SourceRef]
    title: str
    summary: str
    thread_id: int | None = None
    post_ids: tuple[int, ...] = ()
    document_id: int | None = None
    story_id: int | None = None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _post_text(post) -> str:
    if post is None:
        return ""
    if isinstance(post, str):
        return post
    if getattr(post, "hidden_at", None) is not None or getattr(post, "is_pending", False):
        return ""
    return getattr(post, "body", "") or ""


def thread_summary_start(access: Access, thread) -> str:
    """A thread's summary, else its accepted answer, else its first post: the summary's first
    text (the helpers for summaries and answers are used when the forums provide them)."""
    summary_text = getattr(forum_selectors, "thread_summary_text", None)
    if summary_text is not None:
        text = summary_text(thread)
        if text:
            return text
    accepted_answer = getattr(forum_selectors, "accepted_answer", None)
    if accepted_answer is not None:
        text = _post_text(accepted_answer(thread))
        if text:
            return text
    first = (
        forum_selectors.posts_of(access, thread)
        .filter(hidden_at__isnull=True, is_pending=False)
        .first()
    )
    return _post_text(first)


def promotion_from(access: Access, params) -> Promotion:
    """The sources named by `params` (thread, post (several), document, story) checked through
    the tools' selectors: 404 for anything missing or out of sight; a value story must be
    featured."""
    if params.get("document"):
        document = document_selectors.access_document(access, _int(params["document"]), live=True)
        ref = SourceRef("document", document, document.title, document.get_absolute_url())
        return Promotion([ref], document.title, document.description, document_id=document.pk)
    if params.get("story"):
        story = assessment_selectors.access_story(access, _int(params["story"]))
        if story.featured_at is None:
            raise Http404
        ref = SourceRef("value_story", story, story.title, story.get_absolute_url())
        text = f"{story.happened}\n\n{story.changed}"
        return Promotion([ref], story.title, text, story_id=story.pk)
    if not params.get("thread"):
        raise Http404
    thread = forum_selectors.access_thread(access, _int(params["thread"]))
    if thread.hidden_at is not None:
        raise Http404
    wanted = [_int(value) for value in params.getlist("post")]
    if not wanted:
        ref = SourceRef("thread", thread, thread.title, thread.get_absolute_url())
        return Promotion(
            [ref], thread.title, thread_summary_start(access, thread), thread_id=thread.pk
        )
    posts = [
        post
        for post in forum_selectors.posts_of(access, thread).filter(pk__in=wanted)
        if post.is_visible
    ]
    if not posts:
        raise Http404
    refs = [
        SourceRef(
            "post",
            post,
            f"{thread.title} #{post.number}",
            reverse("post", args=[access.community.slug, post.pk]),
        )
        for post in posts
    ]
    summary = "\n\n".join(post.body for post in posts)
    return Promotion(
        refs,
        thread.title,
        summary,
        thread_id=thread.pk,
        post_ids=tuple(post.pk for post in posts),
    )


def promotable_posts(access: Access, thread) -> list:
    """The thread's posts everyone sees, to choose from."""
    return [post for post in forum_selectors.posts_of(access, thread) if post.is_visible]


def stewards_of(community: Community) -> QuerySet:
    """The active members who may steward an entry."""
    from accounts.models import User

    return User.objects.filter(
        memberships__community=community, memberships__state=Membership.State.ACTIVE
    ).order_by("display_name", "email")


# --- Review, reminders, digest -------------------------------------------------------------------


def due_for_review(community: Community, *, today: date) -> QuerySet:
    """The community's published and draft entries whose review date has come, oldest first."""
    return (
        KnowledgeEntry.objects.filter(community=community, review_on__lte=today)
        .exclude(status=Status.RETIRED)
        .select_related("community", "steward")
        .order_by("review_on", "pk")
    )


def digest_entries(community_ids: list[int], *, since: datetime, until: datetime) -> list:
    """Entries published in [since, until) that every member of their community may see."""
    return list(
        KnowledgeEntry.objects.filter(
            community_id__in=community_ids,
            status=Status.PUBLISHED,
            published_at__gte=since,
            published_at__lt=until,
        )
        .select_related("community")
        .order_by("published_at", "pk")
    )


def feed_entries(community: Community, *, limit: int = 50) -> list:
    """The community's published public entries, newest first (only where allowed)."""
    if not allows_public_knowledge(community):
        return []
    return list(
        KnowledgeEntry.objects.filter(
            community=community, status=Status.PUBLISHED, visibility=Visibility.PUBLIC
        )
        .select_related("community")
        .order_by("-published_at", "-pk")[:limit]
    )
