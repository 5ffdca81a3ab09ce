"""Forums and threads: opening, renaming and ordering forums, starting threads."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from forums.events import ForumEvent
from forums.models import Forum, Subscription, Thread
from forums.services.errors import ForumError
from forums.services.notices import announce_post, set_subscription
from forums.services.posts import add_post, mark_read


@transaction.atomic
def create_forum(
    community: Community,
    *,
    actor: User,
    name: str,
    slug: str,
    description: str = "",
    kind: str = Forum.Kind.DISCUSSION,
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
                kind=kind,
                position=(last or 0) + 1,
            )
    except IntegrityError:
        return Forum.objects.get(community=community, slug=slug)
    community_services.audit(actor, community, ForumEvent.FORUM_CREATE, forum)
    return forum


@transaction.atomic
def update_forum(forum: Forum, *, actor: User, changes: dict) -> list[str]:
    """Rename, re-describe, change the kind of or (un)archive a forum; returns the fields
    changed."""
    changed = [
        name
        for name in ("name", "slug", "description", "kind", "is_archived")
        if name in changes and getattr(forum, name) != changes[name]
    ]
    for name in changed:
        setattr(forum, name, changes[name])
    if changed:
        forum.save(update_fields=changed)
        community_services.audit(
            actor, forum.community, ForumEvent.FORUM_UPDATE, forum, details={"fields": changed}
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


@transaction.atomic
def start_thread(forum: Forum, *, actor: User, title: str, body: str, attachments=()) -> Thread:
    """Open a thread with its first post; the author watches it."""
    if forum.is_archived or forum.community.is_archived:
        raise ForumError(_("This forum is archived: it no longer takes new threads."))
    now = timezone.now()
    thread = Thread.objects.create(
        community=forum.community,
        forum=forum,
        title=title.strip(),
        author=actor,
        created_at=now,
        last_activity_at=now,
        last_poster=actor,
    )
    post = add_post(thread, actor=actor, body=body, attachments=attachments, now=now)
    set_subscription(actor, thread=thread, level=Subscription.Level.WATCHING)
    mark_read(actor, thread, post.number)
    if not post.is_pending:
        announce_post(post)
    return thread
