"""Posts: writing, holding for approval, editing, reactions and read markers."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community, Membership
from core.markdown import render_markdown
from forums.events import ForumEvent
from forums.models import Attachment, Post, PostRevision, Reaction, ReadState, Subscription, Thread
from forums.services.errors import ForumError
from forums.services.indexing import index_post
from forums.services.notices import (
    PENDING,
    announce_post,
    mentioned_members,
    notify_queue,
    set_subscription,
)


def _render(community: Community, body: str) -> str:
    mentioned = mentioned_members(community, body)
    members_url = reverse("members", args=[community.slug]) + "?q="
    return render_markdown(
        body,
        mention_urls={handle: members_url + handle for handle in mentioned},
    )


def _attach(post: Post, attachments) -> None:
    for attachment in attachments:
        Attachment.objects.filter(pk=attachment.pk, post__isnull=True).update(post=post)


def _needs_approval(community: Community, author: User) -> bool:
    """Pre-moderation: the first N posts of a member wait, unless they moderate."""
    held = community.premoderated_posts
    if not held:
        return False
    membership = Membership.objects.filter(community=community, user=author).first()
    if membership is None or membership.role != Membership.Role.MEMBER:
        return False
    published = Post.objects.filter(
        author=author, thread__community=community, is_pending=False
    ).count()
    return published < held


def add_post(thread: Thread, *, actor: User, body: str, attachments, now=None) -> Post:
    """Write the next post of a thread (held for approval when its author's posts are); the
    caller announces it."""
    html = _render(thread.community, body)
    number = thread.next_number
    pending = _needs_approval(thread.community, actor)
    post = Post.objects.create(
        thread=thread,
        number=number,
        author=actor,
        body=body,
        body_html=html,
        created_at=now or timezone.now(),
        is_pending=pending,
    )
    Thread.objects.filter(pk=thread.pk).update(
        next_number=F("next_number") + 1,
        post_count=F("post_count") + (0 if pending else 1),
    )
    thread.next_number = number + 1
    thread.post_count += 0 if pending else 1
    post.thread = thread
    _attach(post, attachments)
    index_post(post, thread.title)
    if pending:
        notify_queue(post, PENDING)
    return post


@transaction.atomic
def reply(thread: Thread, *, actor: User, body: str, attachments=()) -> Post:
    """Add a post to a thread; the author watches it, watchers and mentioned people are told
    (once a facilitator approves it, when the author's first posts are held)."""
    thread = (
        Thread.objects.select_for_update().select_related("forum", "community").get(pk=thread.pk)
    )
    if thread.forum.is_archived or thread.community.is_archived:
        raise ForumError(_("This forum is archived: it no longer takes replies."))
    post = add_post(thread, actor=actor, body=body, attachments=attachments)
    if not post.is_pending:
        Thread.objects.filter(pk=thread.pk).update(
            last_activity_at=post.created_at, last_poster=actor
        )
    if not Subscription.objects.filter(user=actor, thread=thread).exists():
        set_subscription(actor, thread=thread, level=Subscription.Level.WATCHING)
    mark_read(actor, thread, post.number)
    if not post.is_pending:
        announce_post(post)
    return post


@transaction.atomic
def edit_post(post: Post, *, actor: User, body: str) -> bool:
    """Change a post, keeping what it said before as a revision; False when unchanged."""
    if body == post.body:
        return False
    PostRevision.objects.create(post=post, body=post.body, editor=actor)
    post.body = body
    post.body_html = _render(post.thread.community, body)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    index_post(post, post.thread.title)
    if actor.pk != post.author_id:
        community_services.audit(actor, post.thread.community, ForumEvent.POST_EDIT, post)
    return True


@transaction.atomic
def toggle_reaction(post: Post, *, actor: User, kind: str) -> bool:
    """Add the reaction, or take it back when it is there; True when it is now on."""
    removed, _detail = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
    if removed:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=actor, kind=kind)
    except IntegrityError:
        # Another request of the same person (a second tab) added it since the delete above:
        # it is on, as both asked, rather than an error.
        pass
    return True


def mark_read(user: User, thread: Thread, number: int, *, known: int | None = None) -> bool:
    """Remember that a member has read a thread up to post `number`.

    `known` is how far the page already knows they had read: when it is as far, nothing is
    queried nor written (most page views).
    """
    if known is not None and known >= number:
        return False
    updated = ReadState.objects.filter(
        user=user, thread=thread, last_read_number__lt=number
    ).update(last_read_number=number, read_at=timezone.now())
    if updated:
        return True
    _state, created = ReadState.objects.get_or_create(
        user=user, thread=thread, defaults={"last_read_number": number}
    )
    return created
