"""Accepted answers: in a questions forum, one reply marked as the answer to the question."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from forums.events import ForumEvent
from forums.models import Post, Thread
from forums.services.errors import ForumError


def _refuse_unless_open(thread: Thread) -> None:
    if not thread.forum.is_questions:
        raise ForumError(_("Only the threads of a questions forum have an answer."))
    if thread.community.is_archived or thread.forum.is_archived:
        raise ForumError(_("This forum is archived: its answers can no longer change."))


def _locked_answer_id(thread: Thread) -> int | None:
    """The thread's answer as stored, its row locked until the transaction ends."""
    return Thread.objects.select_for_update().values_list("answer_id", flat=True).get(pk=thread.pk)


@transaction.atomic
def mark_answer(thread: Thread, *, actor: User, post: Post) -> bool:
    """Mark a visible reply as the thread's answer; False when it already is the answer."""
    _refuse_unless_open(thread)
    if post.thread_id != thread.pk:
        raise ForumError(_("This post is not part of the thread."))
    if post.number == 1:
        raise ForumError(_("The question cannot be its own answer."))
    if not post.is_visible:
        raise ForumError(_("A hidden post cannot be marked as the answer."))
    # Locked: two people marking at once leave one answer and one audit row each.
    current = _locked_answer_id(thread)
    if current == post.pk:
        return False
    thread.answer = post
    thread.answered_by = actor
    thread.answered_at = timezone.now()
    thread.save(update_fields=["answer", "answered_by", "answered_at"])
    community_services.audit(
        actor, thread.community, ForumEvent.THREAD_ANSWER, thread, details={"post": post.number}
    )
    community_services.record_activity(thread.community, actor, ForumEvent.THREAD_ANSWER, thread)
    if post.author is not None and post.author_id != actor.pk:
        community_services.notify(
            post.author,
            ForumEvent.THREAD_ANSWER,
            url=post.get_absolute_url(),
            community=thread.community,
            actor=actor,
            target=community_services.target_key(thread),
            person=actor.name,
            thread=thread.title,
        )
    return True


@transaction.atomic
def unmark_answer(thread: Thread, *, actor: User) -> bool:
    """Take the answer mark off; False when the thread had no answer."""
    _refuse_unless_open(thread)
    current = _locked_answer_id(thread)
    if current is None:
        return False
    thread.answer = None
    thread.answered_by = None
    thread.answered_at = None
    thread.save(update_fields=["answer", "answered_by", "answered_at"])
    community_services.audit(actor, thread.community, ForumEvent.THREAD_UNANSWER, thread)
    return True
