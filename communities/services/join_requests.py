"""Asking to join, and facilitators' decisions."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, JoinRequest, Membership
from communities.selectors import facilitators_of
from communities.services.logs import audit, notify
from communities.services.membership import MembershipError, add_member


@transaction.atomic
def request_to_join(community: Community, user: User, *, message: str) -> JoinRequest:
    """Ask to join a community that approves its members; one pending request at a time."""
    if community.join_policy != Community.JoinPolicy.REQUEST:
        raise MembershipError(_("This community does not take join requests."))
    if community.is_archived:
        raise MembershipError(_("This community is archived and does not accept new members."))
    if Membership.objects.filter(community=community, user=user).exists():
        raise MembershipError(_("You are already a member of this community."))
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(
                community=community, user=user, message=message.strip()
            )
    except IntegrityError:
        raise MembershipError(
            _("You have already asked to join; the facilitators will answer soon.")
        ) from None
    url = community.get_absolute_url() + "requests/"
    for membership in facilitators_of(community):
        notify(
            membership.user,
            CommunityEvent.JOIN_REQUEST_CREATE,
            url=url,
            community=community,
            actor=user,
            person=user.name,
            community_name=community.name,
        )
    return join_request


@transaction.atomic
def withdraw_join_request(join_request: JoinRequest, *, actor: User) -> bool:
    """The requester takes back a pending request."""
    if join_request.state != JoinRequest.State.PENDING or join_request.user_id != actor.pk:
        return False
    join_request.state = JoinRequest.State.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["state", "decided_at"])
    return True


@transaction.atomic
def decide_join_request(
    join_request: JoinRequest,
    *,
    actor: User,
    approve: bool,
    reply: str = "",
    ip: str | None = None,
) -> bool:
    """Approve or decline a pending request; the requester is told either way."""
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.state != JoinRequest.State.PENDING:
        return False
    community = join_request.community
    join_request.state = JoinRequest.State.APPROVED if approve else JoinRequest.State.DECLINED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.reply = reply.strip()
    join_request.save(update_fields=["state", "decided_by", "decided_at", "reply"])
    if approve:
        add_member(community, join_request.user)
    audit(
        actor,
        community,
        CommunityEvent.JOIN_REQUEST_APPROVE if approve else CommunityEvent.JOIN_REQUEST_DECLINE,
        join_request.user,
        details={"reply": join_request.reply} if join_request.reply else {},
        ip=ip,
    )
    notify(
        join_request.user,
        CommunityEvent.JOIN_REQUEST_APPROVE if approve else CommunityEvent.JOIN_REQUEST_DECLINE,
        url=community.get_absolute_url() if approve else "/",
        community=community,
        actor=actor,
        community_name=community.name,
        person=actor.name,
        reply=join_request.reply,
    )
    return True
