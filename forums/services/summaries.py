"""Thread summaries: a facilitator's account of a long thread; every save keeps a revision."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from core.markdown import render_markdown
from forums.events import ForumEvent
from forums.models import Thread, ThreadSummary, ThreadSummaryRevision
from forums.services.errors import ForumError


def _refuse_if_archived(thread: Thread) -> None:
    if thread.community.is_archived or thread.forum.is_archived:
        raise ForumError(_("This forum is archived: its summaries can no longer change."))


@transaction.atomic
def save_summary(thread: Thread, *, actor: User, body: str) -> ThreadSummary | None:
    """Write or rewrite a thread's summary (an empty text removes it); the same text again
    changes nothing and keeps no second revision."""
    _refuse_if_archived(thread)
    body = body.strip()
    if not body:
        remove_summary(thread, actor=actor)
        return None
    # Locked so that two saves at once keep two revisions in order, never a lost one.
    Thread.objects.select_for_update().filter(pk=thread.pk).exists()
    summary = ThreadSummary.objects.filter(thread=thread).first()
    if summary is not None and summary.body == body:
        return summary
    now = timezone.now()
    created = summary is None
    if created:
        summary = ThreadSummary(thread=thread)
    summary.body = body
    summary.body_html = render_markdown(body)
    summary.author = actor
    summary.updated_at = now
    summary.save()
    ThreadSummaryRevision.objects.create(thread=thread, body=body, editor=actor, created_at=now)
    community_services.audit(
        actor, thread.community, ForumEvent.THREAD_SUMMARIZE, thread, details={"new": created}
    )
    if created:
        community_services.record_activity(
            thread.community, actor, ForumEvent.THREAD_SUMMARIZE, thread
        )
    return summary


@transaction.atomic
def remove_summary(thread: Thread, *, actor: User) -> bool:
    """Remove a thread's summary (its revisions stay, with an empty one marking the removal);
    False when there was none."""
    _refuse_if_archived(thread)
    deleted, _rows = ThreadSummary.objects.filter(thread=thread).delete()
    if not deleted:
        return False
    ThreadSummaryRevision.objects.create(thread=thread, body="", editor=actor)
    community_services.audit(actor, thread.community, ForumEvent.THREAD_SUMMARY_REMOVE, thread)
    return True
