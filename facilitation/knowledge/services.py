"""Every write of the knowledge base: promoting sources to an entry, editing, publishing,
retiring and confirming an entry's review."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from communities.permissions import allows_public_knowledge
from core.errors import ActionRefused
from core.markdown import render_markdown
from facilitation.events import FacilitationEvent
from facilitation.models import KnowledgeEntry, KnowledgeSource


class KnowledgeError(ActionRefused):
    """A knowledge change refused (the message says why)."""


ARCHIVED = _("This community is archived: it is read-only.")
PUBLIC_REFUSED = _(
    "Public knowledge is not allowed here: the organizer must allow it in the community's "
    "settings, and the community must be public."
)


@dataclass(frozen=True)
class SourceRef:
    """What an entry is promoted from: its kind, the object, and its title and address now."""

    kind: str
    obj: object
    title: str
    url: str


def normalise_tags(text: str) -> list[str]:
    """Tags from a comma-separated text: trimmed, lower case, spaces as in the text, no
    duplicates, in the order given."""
    seen: list[str] = []
    for raw in text.split(","):
        tag = " ".join(raw.strip().lower().split())[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _stored_tags(tags: list[str]) -> str:
    return f",{','.join(tags)}," if tags else ""


def _check(community: Community, *, status: str, visibility: str) -> None:
    if community.is_archived:
        raise KnowledgeError(ARCHIVED)
    if visibility == KnowledgeEntry.Visibility.PUBLIC and not allows_public_knowledge(community):
        raise KnowledgeError(PUBLIC_REFUSED)


def _publish_fields(entry: KnowledgeEntry, status: str) -> list[str]:
    """Note when an entry is first published."""
    if status == KnowledgeEntry.Status.PUBLISHED and entry.published_at is None:
        entry.published_at = timezone.now()
        return ["published_at"]
    return []


@transaction.atomic
def promote_to_knowledge(
    community: Community,
    *,
    actor: User,
    sources: list[SourceRef],
    title: str,
    summary: str,
    tags: list[str],
    steward: User | None,
    review_on: date,
    status: str,
    visibility: str,
) -> KnowledgeEntry:
    """Create a knowledge entry with its sources (their titles and addresses kept as they are
    now, so the entry still names them if they are later hidden or deleted)."""
    _check(community, status=status, visibility=visibility)
    now = timezone.now()
    entry = KnowledgeEntry(
        community=community,
        title=title,
        summary=summary,
        summary_html=render_markdown(summary),
        tags=_stored_tags(tags),
        steward=steward,
        review_on=review_on,
        status=status,
        visibility=visibility,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _publish_fields(entry, status)
    entry.save()
    KnowledgeSource.objects.bulk_create(
        KnowledgeSource(
            entry=entry,
            kind=source.kind,
            title=source.title[:300],
            url=source.url[:500],
            position=position,
            **{source.kind: source.obj},
        )
        for position, source in enumerate(sources)
    )
    community_services.audit(
        actor,
        community,
        FacilitationEvent.KNOWLEDGE_CREATE,
        entry,
        details={"sources": len(sources), "status": status, "visibility": visibility},
    )
    if entry.is_published:
        community_services.audit(actor, community, FacilitationEvent.KNOWLEDGE_PUBLISH, entry)
    return entry


@transaction.atomic
def edit_knowledge(
    entry: KnowledgeEntry,
    *,
    actor: User,
    title: str,
    summary: str,
    tags: list[str],
    steward: User | None,
    review_on: date,
    status: str,
    visibility: str,
) -> bool:
    """Save an entry's new text and settings; False when nothing changed."""
    _check(entry.community, status=status, visibility=visibility)
    changes = {
        "title": title,
        "summary": summary,
        "tags": _stored_tags(tags),
        "steward_id": steward.pk if steward is not None else None,
        "review_on": review_on,
        "status": status,
        "visibility": visibility,
    }
    changed = [name for name, value in changes.items() if getattr(entry, name) != value]
    if not changed:
        return False
    was_published = entry.is_published
    for name in changed:
        setattr(entry, name, changes[name])
    fields = [name.removesuffix("_id") for name in changed] + ["updated_at"]
    if "summary" in changed:
        entry.summary_html = render_markdown(summary)
        fields.append("summary_html")
    entry.updated_at = timezone.now()
    fields += _publish_fields(entry, status)
    entry.save(update_fields=fields)
    community = entry.community
    community_services.audit(
        actor,
        community,
        FacilitationEvent.KNOWLEDGE_EDIT,
        entry,
        details={"changed": sorted(name.removesuffix("_id") for name in changed)},
    )
    if entry.is_published and not was_published:
        community_services.audit(actor, community, FacilitationEvent.KNOWLEDGE_PUBLISH, entry)
    if was_published and status == KnowledgeEntry.Status.RETIRED:
        community_services.audit(actor, community, FacilitationEvent.KNOWLEDGE_RETIRE, entry)
    return True


@transaction.atomic
def publish_knowledge(entry: KnowledgeEntry, *, actor: User) -> bool:
    """Publish an entry (with the visibility it has); False when already published."""
    if entry.is_published:
        return False
    _check(entry.community, status=KnowledgeEntry.Status.PUBLISHED, visibility=entry.visibility)
    entry.status = KnowledgeEntry.Status.PUBLISHED
    entry.updated_at = timezone.now()
    fields = ["status", "updated_at", *_publish_fields(entry, entry.status)]
    entry.save(update_fields=fields)
    community_services.audit(actor, entry.community, FacilitationEvent.KNOWLEDGE_PUBLISH, entry)
    return True


@transaction.atomic
def retire_knowledge(entry: KnowledgeEntry, *, actor: User) -> bool:
    """Retire an entry: it leaves the list, the feed and the public; False when retired."""
    if entry.status == KnowledgeEntry.Status.RETIRED:
        return False
    if entry.community.is_archived:
        raise KnowledgeError(ARCHIVED)
    entry.status = KnowledgeEntry.Status.RETIRED
    entry.updated_at = timezone.now()
    entry.save(update_fields=["status", "updated_at"])
    community_services.audit(actor, entry.community, FacilitationEvent.KNOWLEDGE_RETIRE, entry)
    return True


@transaction.atomic
def confirm_knowledge_review(entry: KnowledgeEntry, *, actor: User, review_on: date) -> bool:
    """The entry is still right: set its next review date; False when that date is already
    set."""
    if entry.community.is_archived:
        raise KnowledgeError(ARCHIVED)
    if entry.review_on == review_on:
        return False
    before = entry.review_on
    entry.review_on = review_on
    entry.updated_at = timezone.now()
    entry.save(update_fields=["review_on", "updated_at"])
    community_services.audit(
        actor,
        entry.community,
        FacilitationEvent.KNOWLEDGE_REVIEW,
        entry,
        details={"from": before.isoformat(), "to": review_on.isoformat()},
    )
    return True
