"""The dashboard's writes: nudging a member, the checklist's one-click threads, and noting that
the checklist is complete. Views check permissions before they call these."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services as community_services
from communities.models import Community, Membership, Notification
from core.errors import ActionRefused
from facilitation.events import FacilitationEvent
from facilitation.health import NUDGE_INTERVAL
from facilitation.models import CommunitySetup
from forums import services as forum_services
from forums.models import Forum, Thread


class DashboardError(ActionRefused):
    """A dashboard action the rules refuse."""


@transaction.atomic
def nudge_member(
    membership: Membership, *, actor: User, message: str, now: datetime | None = None
) -> bool:
    """Send a member a friendly notification from a facilitator; False when they were nudged in
    this community less than 14 days ago (a double click sends one)."""
    now = now or timezone.now()
    # The membership row serializes two nudges of one person: the second sees the first.
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    community = membership.community
    recent = Notification.objects.filter(
        recipient_id=membership.user_id,
        community=community,
        verb=FacilitationEvent.MEMBER_NUDGE,
        created_at__gt=now - NUDGE_INTERVAL,
    )
    if recent.exists():
        return False
    community_services.notify(
        membership.user,
        FacilitationEvent.MEMBER_NUDGE,
        url=reverse("forum_list", args=[community.slug]),
        community=community,
        actor=actor,
        person=actor.name,
        community_name=community.name,
        message=message,
    )
    community_services.audit(actor, community, FacilitationEvent.MEMBER_NUDGE, membership.user)
    return True


def _setup_for_update(community: Community) -> CommunitySetup:
    """The community's set-up row, made if missing (communities older than the wizard have
    none), locked until the transaction ends."""
    CommunitySetup.objects.get_or_create(community=community)
    return CommunitySetup.objects.select_for_update().get(community=community)


def _check_forum(community: Community, forum: Forum) -> None:
    if forum.community_id != community.pk:
        raise DashboardError(_("Choose a forum of this community."))


def _start_starter_thread(
    community: Community, *, actor: User, forum: Forum, title: str, body: str, item: str
) -> Thread:
    """Start one of the set-up's threads (`item`: "welcome" or "introductions") once, and
    remember it on the set-up for the checklist."""
    _check_forum(community, forum)
    setup = _setup_for_update(community)
    field = f"{item}_thread"
    if getattr(setup, f"{field}_id") is not None:
        raise DashboardError(STARTED_ALREADY[item])
    thread = forum_services.start_thread(forum, actor=actor, title=title, body=body)
    setattr(setup, field, thread)
    setup.save(update_fields=[field])
    return thread


STARTED_ALREADY = {
    "welcome": _("The welcome post is written already."),
    "introductions": _("The introductions thread is open already."),
}


@transaction.atomic
def post_welcome(
    community: Community, *, actor: User, forum: Forum, title: str, body: str
) -> Thread:
    """Start the community's welcome post, pinned, and remember it for the checklist."""
    thread = _start_starter_thread(
        community, actor=actor, forum=forum, title=title, body=body, item="welcome"
    )
    forum_services.pin_thread(thread, actor=actor)
    return thread


@transaction.atomic
def post_introductions(
    community: Community, *, actor: User, forum: Forum, title: str, body: str
) -> Thread:
    """Start the community's "introduce yourself" thread and remember it for the checklist."""
    return _start_starter_thread(
        community, actor=actor, forum=forum, title=title, body=body, item="introductions"
    )


@transaction.atomic
def complete_setup(community: Community, *, now: datetime | None = None) -> bool:
    """Note that the getting-started checklist is complete, once; False when it was already."""
    setup = _setup_for_update(community)
    if setup.completed_at is not None:
        return False
    setup.completed_at = now or timezone.now()
    setup.save(update_fields=["completed_at"])
    return True
