"""Moderation of the forums: flags, hiding and restoring, thread tools, approval.

Each verb is a no-op returning False when there is nothing to do, writes exactly one audit row
when it does something, and never deletes what a member wrote.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from forums.events import ForumEvent
from forums.models import Flag, Forum, Post, Thread
from forums.services.errors import ForumError
from forums.services.indexing import reindex_thread
from forums.services.notices import FLAGGED, announce_post, notify_queue, tell_author

AUTO_HIDDEN = _("Hidden automatically: %(count)s members flagged it. A facilitator will review it.")


# --- Flags ----------------------------------------------------------------------------------


@transaction.atomic
def flag_post(post: Post, *, actor: User, reason: str, text: str = "") -> Flag:
    """Flag a post; enough distinct members flagging it hides it until a facilitator reviews."""
    if post.author_id == actor.pk:
        raise ForumError(_("You cannot flag your own post."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, user=actor, reason=reason, text=text.strip())
    except IntegrityError:
        raise ForumError(_("You have already flagged this post.")) from None
    open_flags = Flag.objects.filter(post=post, resolved_at__isnull=True)
    count = open_flags.values("user").distinct().count()
    threshold = post.thread.community.flag_threshold
    if post.hidden_at is None and threshold and count >= threshold:
        _hide(post, actor=None, reason=str(AUTO_HIDDEN % {"count": count}))
        community_services.audit(
            None, post.thread.community, ForumEvent.POST_AUTOHIDE, post, details={"flags": count}
        )
    notify_queue(post, FLAGGED)
    return flag


@transaction.atomic
def dismiss_flags(post: Post, *, actor: User) -> bool:
    """Disagree with the flags: they are closed, and a post hidden by them alone comes back."""
    open_flags = Flag.objects.filter(post=post, resolved_at__isnull=True)
    if not open_flags.exists():
        return False
    open_flags.update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=Flag.Resolution.DISMISSED
    )
    auto_hidden = post.hidden_at is not None and post.hidden_by_id is None
    if auto_hidden:
        _show(post)
    community_services.audit(
        actor,
        post.thread.community,
        ForumEvent.POST_FLAGS_DISMISS,
        post,
        details={"restored": auto_hidden},
    )
    return True


# --- Hiding and restoring -------------------------------------------------------------------


def _hide(post: Post, *, actor: User | None, reason: str) -> None:
    was_counted = post.hidden_at is None and not post.is_pending
    post.hidden_at = timezone.now()
    post.hidden_by = actor
    post.hidden_reason = reason
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if was_counted:
        Thread.objects.filter(pk=post.thread_id).update(post_count=F("post_count") - 1)
    community_services.set_target_hidden(post, hidden=True)
    tell_author(post, ForumEvent.POST_HIDE, actor=actor, reason=reason)


def _show(post: Post) -> None:
    post.hidden_at = None
    post.hidden_by = None
    post.hidden_reason = ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if not post.is_pending:
        Thread.objects.filter(pk=post.thread_id).update(post_count=F("post_count") + 1)
    thread = post.thread
    if thread.hidden_at is None:
        # Inside a hidden thread the post's traces stay hidden until the thread is restored.
        community_services.set_target_hidden(post, hidden=False)
    tell_author(post, ForumEvent.POST_RESTORE, actor=None)


@transaction.atomic
def hide_post(post: Post, *, actor: User, reason: str, ip: str | None = None) -> bool:
    """Hide a post with a reason (agreeing with its flags); False when it already is hidden."""
    if post.hidden_at is not None and post.hidden_by_id is not None:
        return False
    if post.hidden_at is not None:
        # Hidden by flags: the review confirms it under the moderator's name and reason.
        post.hidden_by = actor
        post.hidden_reason = reason
        post.save(update_fields=["hidden_by", "hidden_reason"])
    else:
        _hide(post, actor=actor, reason=reason)
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=Flag.Resolution.AGREED
    )
    community_services.audit(
        actor, post.thread.community, ForumEvent.POST_HIDE, post, details={"reason": reason}, ip=ip
    )
    return True


@transaction.atomic
def restore_post(post: Post, *, actor: User, ip: str | None = None) -> bool:
    """Show a hidden post again, exactly as it was; False when it is not hidden."""
    if post.hidden_at is None:
        return False
    _show(post)
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=Flag.Resolution.DISMISSED
    )
    community_services.audit(actor, post.thread.community, ForumEvent.POST_RESTORE, post, ip=ip)
    return True


@transaction.atomic
def approve_post(post: Post, *, actor: User, ip: str | None = None) -> bool:
    """Let a held post through: it counts, shows, and its notices go out now."""
    if not post.is_pending or post.hidden_at is not None:
        # A hidden post is approved only once restored: its notices must not go out while hidden.
        return False
    post.is_pending = False
    post.save(update_fields=["is_pending"])
    Thread.objects.filter(pk=post.thread_id).update(
        post_count=F("post_count") + 1,
        last_activity_at=timezone.now(),
        last_poster=post.author,
    )
    community_services.set_target_hidden(post, hidden=False)
    if post.number == 1:
        community_services.set_target_hidden(post.thread, hidden=False)
    announce_post(post)
    tell_author(post, ForumEvent.POST_APPROVE, actor=actor)
    community_services.audit(actor, post.thread.community, ForumEvent.POST_APPROVE, post, ip=ip)
    return True


@transaction.atomic
def hide_thread(thread: Thread, *, actor: User, reason: str, ip: str | None = None) -> bool:
    """Hide a whole thread with a reason; False when it already is hidden."""
    if thread.hidden_at is not None:
        return False
    thread.hidden_at = timezone.now()
    thread.hidden_by = actor
    thread.hidden_reason = reason
    thread.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    community_services.set_target_hidden(thread, *thread.posts.all(), hidden=True)
    tell_author(thread, ForumEvent.THREAD_HIDE, actor=actor, reason=reason)
    community_services.audit(
        actor, thread.community, ForumEvent.THREAD_HIDE, thread, details={"reason": reason}, ip=ip
    )
    return True


@transaction.atomic
def restore_thread(thread: Thread, *, actor: User, ip: str | None = None) -> bool:
    """Show a hidden thread again; False when it is not hidden."""
    if thread.hidden_at is None:
        return False
    thread.hidden_at = None
    thread.hidden_by = None
    thread.hidden_reason = ""
    thread.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    community_services.set_target_hidden(
        thread, *thread.posts.filter(hidden_at__isnull=True, is_pending=False), hidden=False
    )
    tell_author(thread, ForumEvent.THREAD_RESTORE, actor=actor)
    community_services.audit(actor, thread.community, ForumEvent.THREAD_RESTORE, thread, ip=ip)
    return True


# --- Thread tools ---------------------------------------------------------------------------


def _set_flag(thread: Thread, field: str, value: bool, *, actor: User, action: str, ip) -> bool:
    if getattr(thread, field) == value:
        return False
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    community_services.audit(actor, thread.community, action, thread, ip=ip)
    return True


@transaction.atomic
def lock_thread(thread: Thread, *, actor: User, ip: str | None = None) -> bool:
    """Lock a thread against replies; False when it already is locked."""
    return _set_flag(thread, "is_locked", True, actor=actor, action=ForumEvent.THREAD_LOCK, ip=ip)


@transaction.atomic
def unlock_thread(thread: Thread, *, actor: User, ip: str | None = None) -> bool:
    """Take a thread's lock off; False when it is not locked."""
    return _set_flag(
        thread, "is_locked", False, actor=actor, action=ForumEvent.THREAD_UNLOCK, ip=ip
    )


@transaction.atomic
def pin_thread(thread: Thread, *, actor: User, ip: str | None = None) -> bool:
    """Keep a thread at the top of its forum; False when it already is pinned."""
    return _set_flag(thread, "is_pinned", True, actor=actor, action=ForumEvent.THREAD_PIN, ip=ip)


@transaction.atomic
def unpin_thread(thread: Thread, *, actor: User, ip: str | None = None) -> bool:
    """Let a thread take its place by activity again; False when it is not pinned."""
    return _set_flag(thread, "is_pinned", False, actor=actor, action=ForumEvent.THREAD_UNPIN, ip=ip)


@transaction.atomic
def move_thread(thread: Thread, *, actor: User, forum: Forum, ip: str | None = None) -> bool:
    """Move a thread to another forum of the same community; False when it is already there."""
    if forum.community_id != thread.community_id:
        raise ForumError(_("A thread can only move to a forum of the same community."))
    if forum.pk == thread.forum_id:
        return False
    source = thread.forum
    thread.forum = forum
    thread.save(update_fields=["forum"])
    community_services.audit(
        actor,
        thread.community,
        ForumEvent.THREAD_MOVE,
        thread,
        details={"from": source.name, "to": forum.name},
        ip=ip,
    )
    return True


@transaction.atomic
def rename_thread(thread: Thread, *, actor: User, title: str, ip: str | None = None) -> bool:
    """Give a thread a new title (search follows); False when unchanged."""
    title = title.strip()
    if not title or title == thread.title:
        return False
    before = thread.title
    thread.title = title
    thread.save(update_fields=["title"])
    reindex_thread(thread)
    community_services.audit(
        actor,
        thread.community,
        ForumEvent.THREAD_RENAME,
        thread,
        details={"from": before, "to": title},
        ip=ip,
    )
    return True
