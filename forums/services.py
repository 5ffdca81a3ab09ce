"""Every write of the forums: forums, threads, posts, reactions, subscriptions, read state."""

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community, Membership
from core.markdown import find_mentions, render_markdown
from core.search import SEARCH_CONFIGS, uses_full_text
from forums.models import (
    Attachment,
    Forum,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Subscription,
    Thread,
)

MENTIONED = _("%(person)s mentioned you in “%(thread)s”.")
NEW_REPLY = _("%(person)s replied in “%(thread)s”.")
NEW_REPLIES = _("%(count)s new replies in “%(thread)s”.")
NEW_THREAD = _("%(person)s started “%(thread)s” in %(forum)s.")


class ForumError(Exception):
    """A forum action the rules refuse; the message says why."""


# --- Forums ---------------------------------------------------------------------------------


@transaction.atomic
def create_forum(
    community: Community, *, actor: User, name: str, slug: str, description: str = ""
) -> Forum:
    """A new themed forum, placed last; the existing one when another request has just opened a
    forum at the same address (the form checked it was free, the constraint decides)."""
    last = community.forums.order_by("-position").values_list("position", flat=True).first()
    try:
        with transaction.atomic():
            forum = Forum.objects.create(
                community=community,
                name=name.strip(),
                slug=slug,
                description=description.strip(),
                position=(last or 0) + 1,
            )
    except IntegrityError:
        return Forum.objects.get(community=community, slug=slug)
    community_services.audit(actor, community, "forum.create", forum)
    return forum


@transaction.atomic
def update_forum(forum: Forum, *, actor: User, changes: dict) -> list[str]:
    """Rename, re-describe or (un)archive a forum; returns the fields changed."""
    changed = [
        name
        for name in ("name", "slug", "description", "is_archived")
        if name in changes and getattr(forum, name) != changes[name]
    ]
    for name in changed:
        setattr(forum, name, changes[name])
    if changed:
        forum.save(update_fields=changed)
        community_services.audit(
            actor, forum.community, "forum.update", forum, details={"fields": changed}
        )
    return changed


@transaction.atomic
def move_forum(forum: Forum, *, actor: User, offset: int) -> bool:
    """Move a forum up (-1) or down (+1) the list; False at either end."""
    forums = list(Forum.objects.filter(community=forum.community).order_by("position", "name"))
    index = next(i for i, item in enumerate(forums) if item.pk == forum.pk)
    target = index + offset
    if not 0 <= target < len(forums):
        return False
    forums[index], forums[target] = forums[target], forums[index]
    for position, item in enumerate(forums, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return True


# --- Threads and posts ----------------------------------------------------------------------


def _members_by_handle(community: Community, handles: set[str]) -> dict[str, User]:
    if not handles:
        return {}
    people = User.objects.filter(
        handle__in=handles,
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
    )
    return {person.handle: person for person in people}


def _render(community: Community, body: str) -> tuple[str, dict[str, User]]:
    mentioned = _members_by_handle(community, find_mentions(body))
    members_url = f"/c/{community.slug}/members/?q="
    html = render_markdown(
        body,
        mention_urls={handle: members_url + handle for handle in mentioned},
    )
    return html, mentioned


def _index_for_search(post: Post, title: str) -> None:
    """Store the weighted search vector: the thread's title (A, first post only), the body (B)."""
    if not uses_full_text():
        return
    from django.contrib.postgres.search import SearchVector

    config = SEARCH_CONFIGS.get(post.thread.community.language, "simple")
    vector = SearchVector("body", weight="B", config=config)
    if post.number == 1:
        vector = SearchVector(Value(title), weight="A", config=config) + vector
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def reindex_thread(thread: Thread) -> None:
    """Recompute the search vectors of a thread's posts (after a rename)."""
    for post in thread.posts.select_related("thread__community"):
        _index_for_search(post, thread.title)


def _attach(post: Post, attachments) -> None:
    for attachment in attachments:
        Attachment.objects.filter(pk=attachment.pk, post__isnull=True).update(post=post)


@transaction.atomic
def start_thread(forum: Forum, *, author: User, title: str, body: str, attachments=()) -> Thread:
    """Open a thread with its first post; the author watches it."""
    if forum.is_archived or forum.community.is_archived:
        raise ForumError(_("This forum is archived: it no longer takes new threads."))
    now = timezone.now()
    thread = Thread.objects.create(
        community=forum.community,
        forum=forum,
        title=title.strip(),
        author=author,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
    )
    post = _add_post(thread, author=author, body=body, attachments=attachments, now=now)
    set_subscription(author, thread=thread, level=Subscription.Level.WATCHING)
    mark_read(author, thread, post.number)
    if not post.is_pending:
        announce_post(post)
    return thread


@transaction.atomic
def reply(thread: Thread, *, author: User, body: str, attachments=()) -> Post:
    """Add a post to a thread; the author watches it, watchers and mentioned people are told
    (once a facilitator approves it, when the author's first posts are held)."""
    thread = (
        Thread.objects.select_for_update().select_related("forum", "community").get(pk=thread.pk)
    )
    if thread.forum.is_archived or thread.community.is_archived:
        raise ForumError(_("This forum is archived: it no longer takes replies."))
    post = _add_post(thread, author=author, body=body, attachments=attachments)
    if not post.is_pending:
        Thread.objects.filter(pk=thread.pk).update(
            last_activity_at=post.created_at, last_poster=author
        )
    if not Subscription.objects.filter(user=author, thread=thread).exists():
        set_subscription(author, thread=thread, level=Subscription.Level.WATCHING)
    mark_read(author, thread, post.number)
    if not post.is_pending:
        announce_post(post)
    return post


def announce_post(post: Post) -> None:
    """What a visible post sets off: the activity feed, mentions, watchers' notices."""
    thread = post.thread
    author = post.author
    if post.number == 1:
        community_services.record_activity(thread.community, author, "thread.created", thread)
        _notify_forum_watchers(thread, author)
        _notify_mentions(post, author, already=set())
        return
    community_services.record_activity(thread.community, author, "post.created", post)
    mentioned = _notify_mentions(post, author, already=set())
    _notify_thread_watchers(post, author, skip=mentioned)


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


def _add_post(thread: Thread, *, author: User, body: str, attachments, now=None) -> Post:
    html, _mentioned = _render(thread.community, body)
    number = thread.next_number
    pending = _needs_approval(thread.community, author)
    post = Post.objects.create(
        thread=thread,
        number=number,
        author=author,
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
    _index_for_search(post, thread.title)
    if pending:
        from forums.moderation import PENDING, notify_queue

        notify_queue(post, PENDING)
    return post


@transaction.atomic
def edit_post(post: Post, *, editor: User, body: str) -> bool:
    """Change a post, keeping what it said before as a revision; False when unchanged."""
    if body == post.body:
        return False
    PostRevision.objects.create(post=post, body=post.body, editor=editor)
    post.body = body
    post.body_html, _mentioned = _render(post.thread.community, body)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    _index_for_search(post, post.thread.title)
    if editor.pk != post.author_id:
        community_services.audit(editor, post.thread.community, "post.edit", post)
    return True


@transaction.atomic
def toggle_reaction(post: Post, *, user: User, kind: str) -> bool:
    """Add the reaction, or take it back when it is there; True when it is now on."""
    removed, _detail = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    if removed:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user, kind=kind)
    except IntegrityError:
        # Another request of the same person (a second tab) added it since the delete above:
        # it is on, as both asked, rather than an error.
        pass
    return True


# --- Subscriptions, notifications and read state ---------------------------------------------


def set_subscription(
    user: User, *, thread: Thread | None = None, forum: Forum | None = None, level: str
) -> Subscription:
    """Watch, follow normally or mute a thread or a forum."""
    subscription, _created = Subscription.objects.update_or_create(
        user=user, thread=thread, forum=forum, defaults={"level": level}
    )
    return subscription


def _watchers(community: Community, *, exclude: set[int], **subscribed_to):
    """Active members of the community watching the given thread or forum."""
    return User.objects.filter(
        **{f"forum_subscriptions__{key}": value for key, value in subscribed_to.items()},
        forum_subscriptions__level=Subscription.Level.WATCHING,
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
    ).exclude(pk__in=exclude)


def _notify_mentions(post: Post, author: User, *, already: set[int]) -> set[int]:
    """Tell each mentioned member (never the author, never someone who muted the thread)."""
    thread = post.thread
    _html, mentioned = _render(thread.community, post.body)
    muted = set(
        Subscription.objects.filter(
            thread=thread, level=Subscription.Level.MUTED, user__in=mentioned.values()
        ).values_list("user_id", flat=True)
    )
    told: set[int] = set()
    for person in mentioned.values():
        if person.pk == author.pk or person.pk in muted or person.pk in already:
            continue
        community_services.notify(
            person,
            "post.mention",
            MENTIONED,
            url=post.get_absolute_url(),
            community=thread.community,
            actor=author,
            target=community_services.target_key(post),
            person=author.name,
            thread=thread.title,
        )
        told.add(person.pk)
    return told


def _notify_thread_watchers(post: Post, author: User, *, skip: set[int]) -> None:
    """Each watcher of the thread hears of the reply, collapsed into one notice while unread."""
    thread = post.thread
    for watcher in _watchers(thread.community, exclude={author.pk, *skip}, thread=thread):
        community_services.notify_collapsed(
            watcher,
            "post.reply",
            NEW_REPLY,
            NEW_REPLIES,
            url=thread.get_absolute_url() + "?unread=1",
            community=thread.community,
            actor=author,
            target=community_services.target_key(thread),
            person=author.name,
            thread=thread.title,
        )


def _notify_forum_watchers(thread: Thread, author: User) -> None:
    for watcher in _watchers(thread.community, exclude={author.pk}, forum=thread.forum):
        community_services.notify(
            watcher,
            "thread.created",
            NEW_THREAD,
            url=thread.get_absolute_url(),
            community=thread.community,
            actor=author,
            target=community_services.target_key(thread),
            person=author.name,
            thread=thread.title,
            forum=thread.forum.name,
        )


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
