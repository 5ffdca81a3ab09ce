"""What members hear of: the feed and notices a visible post sets off, mentions, watchers, the
moderation queue's notices to facilitators and moderation's notices to authors.

The other modules of the package call into this one; it calls none of them.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community, Membership
from communities.selectors import facilitators_of
from core.markdown import find_mentions
from forums.events import ForumEvent
from forums.models import Forum, Post, Subscription, Thread

# Why a post is in the review queue (a parameter of the queue's notice, translated when read).
FLAGGED = _("flagged by a member")
PENDING = _("a new member's post awaits approval")


# --- Mentions and watchers ------------------------------------------------------------------


def mentioned_members(community: Community, body: str) -> dict[str, User]:
    """The active members a text mentions (`@handle`), by handle."""
    handles = find_mentions(body)
    if not handles:
        return {}
    people = User.objects.filter(
        handle__in=handles,
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
    )
    return {person.handle: person for person in people}


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


# --- What a visible post sets off -----------------------------------------------------------


def announce_post(post: Post) -> None:
    """What a visible post sets off: the activity feed, mentions, watchers' notices."""
    thread = post.thread
    author = post.author
    if post.number == 1:
        community_services.record_activity(
            thread.community, author, ForumEvent.THREAD_CREATE, thread
        )
        _notify_forum_watchers(thread, author)
        _notify_mentions(post, author, already=set())
        return
    community_services.record_activity(thread.community, author, ForumEvent.POST_CREATE, post)
    mentioned = _notify_mentions(post, author, already=set())
    _notify_thread_watchers(post, author, skip=mentioned)


def _notify_mentions(post: Post, author: User, *, already: set[int]) -> set[int]:
    """Tell each mentioned member (never the author, never someone who muted the thread)."""
    thread = post.thread
    mentioned = mentioned_members(thread.community, post.body)
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
            ForumEvent.POST_MENTION,
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
            ForumEvent.POST_REPLY,
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
            ForumEvent.THREAD_CREATE,
            url=thread.get_absolute_url(),
            community=thread.community,
            actor=author,
            target=community_services.target_key(thread),
            person=author.name,
            thread=thread.title,
            forum=thread.forum.name,
        )


# --- Moderation's notices -------------------------------------------------------------------


def queue_url(community: Community) -> str:
    """The address of the community's review queue."""
    return reverse("moderation_queue", args=[community.slug])


def notify_queue(post: Post, what) -> None:
    """Tell the community's facilitators that the queue has a new item."""
    thread = post.thread
    for membership in facilitators_of(thread.community):
        community_services.notify_collapsed(
            membership.user,
            ForumEvent.MODERATION_QUEUE,
            url=queue_url(thread.community),
            community=thread.community,
            thread=thread.title,
            what=what,
        )


def tell_author(item: Post | Thread, verb: str, *, actor: User | None, **params) -> None:
    """Tell the author of a post or thread what moderation did to it, in their language."""
    thread = item if isinstance(item, Thread) else item.thread
    if item.author is None:
        return
    community_services.notify(
        item.author,
        verb,
        url=item.get_absolute_url(),
        community=thread.community,
        actor=actor,
        thread=thread.title,
        **params,
    )
