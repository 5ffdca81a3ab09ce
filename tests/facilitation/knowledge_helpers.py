"""Builders shared by the knowledge tests (issue 16)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import ValueStory
from communities.models import Community
from documents import services as document_services
from facilitation.knowledge import services
from facilitation.knowledge.services import SourceRef
from facilitation.models import KnowledgeEntry
from tests.forums.factories import add_replies, forum_in, start_thread


def url(name: str, community, *args) -> str:
    return reverse(name, args=[community.slug, *args])


def allow_public(community: Community) -> Community:
    community.allow_public_knowledge = True
    community.save(update_fields=["allow_public_knowledge"])
    return community


def archive(community: Community) -> Community:
    community.status = Community.Status.ARCHIVED
    community.save(update_fields=["status"])
    return community


def thread_with_replies(community, author, replier, *, body="Start with a real question."):
    thread = start_thread(forum_in(community), author, title="Opening a lesson", body=body)
    add_replies(thread, [replier], 2, body="Reply number {number} about openings.")
    return thread


def document_of(community, actor, *, title="Observation protocol", description="How we observe."):
    return document_services.upload_document(
        community,
        upload=ContentFile(b"Some notes about practice.\n", name="protocol.txt"),
        actor=actor,
        title=title,
        description=description,
    ).document


def story_of(community, author, *, featured=True) -> ValueStory:
    return ValueStory.objects.create(
        community=community,
        author=author,
        title="The lesson study",
        happened="We observed each other's lessons.",
        changed="Questions got better.",
        for_whom="Year 7 teachers",
        value_cycles=["applied"],
        happened_on=timezone.localdate() - timedelta(days=10),
        featured_at=timezone.now() if featured else None,
    )


def entry_of(
    community,
    actor,
    *,
    title="How to open a lesson",
    summary="Open with **a question** the class cares about.",
    status=KnowledgeEntry.Status.PUBLISHED,
    visibility=KnowledgeEntry.Visibility.MEMBERS,
    tags=("lessons",),
    review_on=None,
    sources=(),
) -> KnowledgeEntry:
    return services.promote_to_knowledge(
        community,
        actor=actor,
        sources=list(sources),
        title=title,
        summary=summary,
        tags=list(tags),
        steward=actor,
        review_on=review_on or timezone.localdate() + timedelta(days=180),
        status=status,
        visibility=visibility,
    )


def thread_source(thread) -> SourceRef:
    return SourceRef("thread", thread, thread.title, thread.get_absolute_url())


def form_data(**fields) -> dict:
    data = {
        "title": "Opening lessons with questions",
        "summary": "Ask a question the class cares about.",
        "tags": "Lessons, Openings, lessons",
        "review_on": (timezone.localdate() + timedelta(days=180)).isoformat(),
        "status": "draft",
        "visibility": "members",
    }
    data.update(fields)
    return data
