"""The forums' events: audit actions, feed verbs and notices (see communities.events)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.events import register_events


class ForumEvent(models.TextChoices):
    FORUM_CREATE = "forum.create", _("Forum created")
    FORUM_UPDATE = "forum.update", _("Forum changed")
    THREAD_CREATE = "thread.create", _("Thread started")
    THREAD_HIDE = "thread.hide", _("Thread hidden")
    THREAD_RESTORE = "thread.restore", _("Thread restored")
    THREAD_LOCK = "thread.lock", _("Thread locked")
    THREAD_UNLOCK = "thread.unlock", _("Thread unlocked")
    THREAD_PIN = "thread.pin", _("Thread pinned")
    THREAD_UNPIN = "thread.unpin", _("Thread unpinned")
    THREAD_MOVE = "thread.move", _("Thread moved")
    THREAD_RENAME = "thread.rename", _("Thread renamed")
    THREAD_ANSWER = "thread.answer", _("Answer marked")
    THREAD_UNANSWER = "thread.unanswer", _("Answer unmarked")
    THREAD_SUMMARIZE = "thread.summarize", _("Thread summary saved")
    THREAD_SUMMARY_REMOVE = "thread.summary_remove", _("Thread summary removed")
    POST_CREATE = "post.create", _("Reply posted")
    POST_REPLY = "post.reply", _("Reply in a watched thread")
    POST_MENTION = "post.mention", _("Mention in a post")
    POST_EDIT = "post.edit", _("Post edited by someone else")
    POST_HIDE = "post.hide", _("Post hidden")
    POST_AUTOHIDE = "post.autohide", _("Post hidden by flags")
    POST_RESTORE = "post.restore", _("Post restored")
    POST_APPROVE = "post.approve", _("Post approved")
    POST_FLAGS_DISMISS = "post.flags_dismiss", _("Flags dismissed")
    MODERATION_QUEUE = "moderation.queue", _("Post awaiting review")


def register_forum_events() -> None:
    event = ForumEvent
    queue_item = _("A post in “%(thread)s” needs review: %(what)s")
    register_events(
        event,
        feed={
            event.THREAD_CREATE: _("%(actor)s started “%(target)s”"),
            event.POST_CREATE: _("%(actor)s replied in “%(target)s”"),
            event.THREAD_ANSWER: _("%(actor)s marked the answer to “%(target)s”"),
            event.THREAD_SUMMARIZE: _("%(actor)s summarized “%(target)s”"),
        },
        notices={
            event.POST_MENTION: _("%(person)s mentioned you in “%(thread)s”."),
            event.POST_REPLY: (
                _("%(person)s replied in “%(thread)s”."),
                _("%(count)s new replies in “%(thread)s”."),
            ),
            event.THREAD_CREATE: _("%(person)s started “%(thread)s” in %(forum)s."),
            event.MODERATION_QUEUE: (queue_item, queue_item),
            event.POST_HIDE: _(
                "Your post in “%(thread)s” was hidden by the facilitators: %(reason)s"
            ),
            event.POST_RESTORE: _("Your post in “%(thread)s” is visible again."),
            event.POST_APPROVE: _("Your post in “%(thread)s” was approved and is now visible."),
            event.THREAD_HIDE: _(
                "Your thread “%(thread)s” was hidden by the facilitators: %(reason)s"
            ),
            event.THREAD_RESTORE: _("Your thread “%(thread)s” is visible again."),
            event.THREAD_ANSWER: _("%(person)s marked your reply in “%(thread)s” as the answer."),
        },
    )
