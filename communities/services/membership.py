"""Joining, leaving, roles and suspensions."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, Membership
from communities.permissions import can_leave
from communities.services.logs import audit, notify, record_activity
from core.errors import ActionRefused


class MembershipError(ActionRefused):
    """A membership change that the rules refuse; the message says why."""


@transaction.atomic
def add_member(
    community: Community,
    user: User,
    *,
    role: str = Membership.Role.MEMBER,
    actor: User | None = None,
    via: str = "join",
) -> Membership:
    """Make a person an active member (no-op returning the row when they already are one)."""
    existing = Membership.objects.filter(community=community, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(community=community, user=user, role=role)
    except IntegrityError:
        # Two requests raced to add the same person: the other one won.
        return Membership.objects.get(community=community, user=user)
    record_activity(
        community, user, CommunityEvent.MEMBER_JOIN, user, url=community.get_absolute_url()
    )
    if via != "join":
        audit(actor or user, community, f"member.add.{via}", user, details={"role": role})
    return membership


def join_community(community: Community, user: User) -> Membership:
    """Join an open community at once."""
    if community.join_policy != Community.JoinPolicy.OPEN:
        raise MembershipError(_("This community does not accept members without approval."))
    if community.is_archived:
        raise MembershipError(_("This community is archived and does not accept new members."))
    return add_member(community, user)


@transaction.atomic
def leave_community(membership: Membership, *, actor: User, ip: str | None = None) -> None:
    """Leave a community; the last organizer cannot."""
    if not can_leave(membership):
        if not membership.is_active:
            raise MembershipError(
                _("Your membership is suspended: you can leave once a facilitator lifts it.")
            )
        raise MembershipError(
            _("You are the last organizer: appoint another organizer before you leave.")
        )
    community = membership.community
    audit(
        actor,
        community,
        CommunityEvent.MEMBER_LEAVE,
        membership.user,
        details={"role": membership.role},
        ip=ip,
    )
    membership.delete()


@transaction.atomic
def change_role(membership: Membership, *, actor: User, role: str, ip: str | None = None) -> bool:
    """Promote or demote a member; False when nothing changed."""
    if membership.role == role:
        return False
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    community = membership.community
    audit(
        actor,
        community,
        CommunityEvent.MEMBER_ROLE,
        membership.user,
        details={"from": before, "to": role},
        ip=ip,
    )
    record_activity(
        community,
        actor,
        CommunityEvent.MEMBER_ROLE,
        membership.user,
        url=community.get_absolute_url(),
    )
    _tell(
        membership,
        CommunityEvent.MEMBER_ROLE,
        actor=actor,
        role=Membership.Role(role).label,
    )
    return True


@transaction.atomic
def suspend_member(
    membership: Membership,
    *,
    actor: User,
    reason: str,
    until: datetime | None = None,
    ip: str | None = None,
) -> bool:
    """Suspend a member with a reason, until a moment or until lifted; False when already
    suspended."""
    if not membership.is_active:
        return False
    membership.state = Membership.State.SUSPENDED
    membership.suspended_at = timezone.now()
    membership.suspended_by = actor
    membership.suspended_reason = reason
    membership.suspended_until = until
    membership.save(
        update_fields=[
            "state",
            "suspended_at",
            "suspended_by",
            "suspended_reason",
            "suspended_until",
        ]
    )
    community = membership.community
    audit(
        actor,
        community,
        CommunityEvent.MEMBER_SUSPEND,
        membership.user,
        details={"reason": reason} | ({"until": until.isoformat()} if until else {}),
        ip=ip,
    )
    _tell(
        membership,
        CommunityEvent.MEMBER_SUSPEND,
        actor=actor,
        until=until,
        reason=reason,
    )
    return True


@transaction.atomic
def reinstate_member(membership: Membership, *, actor: User | None, ip: str | None = None) -> bool:
    """Lift a suspension (actor None: it ended on time); False when not suspended."""
    if membership.is_active:
        return False
    membership.state = Membership.State.ACTIVE
    membership.suspended_at = None
    membership.suspended_by = None
    membership.suspended_reason = ""
    membership.suspended_until = None
    membership.save(
        update_fields=[
            "state",
            "suspended_at",
            "suspended_by",
            "suspended_reason",
            "suspended_until",
        ]
    )
    community = membership.community
    audit(actor, community, CommunityEvent.MEMBER_REINSTATE, membership.user, ip=ip)
    _tell(membership, CommunityEvent.MEMBER_REINSTATE, actor=actor)
    return True


def _tell(membership: Membership, verb: str, *, actor: User | None, **params) -> None:
    """Notify a member about their own membership, in their language."""
    community = membership.community
    notify(
        membership.user,
        verb,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        community_name=community.name,
        **params,
    )


@transaction.atomic
def silence_member(
    membership: Membership,
    *,
    actor: User,
    reason: str,
    until: datetime,
    ip: str | None = None,
) -> bool:
    """Let a member read but not post until a moment; False when already silenced as long."""
    if membership.silenced_until is not None and membership.silenced_until >= until:
        return False
    membership.silenced_until = until
    membership.silenced_reason = reason
    membership.silenced_by = actor
    membership.save(update_fields=["silenced_until", "silenced_reason", "silenced_by"])
    community = membership.community
    audit(
        actor,
        community,
        CommunityEvent.MEMBER_SILENCE,
        membership.user,
        details={"reason": reason, "until": until.isoformat()},
        ip=ip,
    )
    _tell(
        membership,
        CommunityEvent.MEMBER_SILENCE,
        actor=actor,
        reason=reason,
        until=until,
    )
    return True


@transaction.atomic
def unsilence_member(membership: Membership, *, actor: User | None, ip: str | None = None) -> bool:
    """End a silence (actor None: it ended on time); False when the member was not silenced."""
    if membership.silenced_until is None:
        return False
    membership.silenced_until = None
    membership.silenced_reason = ""
    membership.silenced_by = None
    membership.save(update_fields=["silenced_until", "silenced_reason", "silenced_by"])
    community = membership.community
    audit(actor, community, CommunityEvent.MEMBER_UNSILENCE, membership.user, ip=ip)
    _tell(membership, CommunityEvent.MEMBER_UNSILENCE, actor=actor)
    return True


def lift_expired_sanctions(*, now: datetime | None = None) -> dict[str, int]:
    """End the suspensions and silences whose time is up; safe to run at any moment."""
    now = now or timezone.now()
    suspended = Membership.objects.filter(
        state=Membership.State.SUSPENDED, suspended_until__isnull=False, suspended_until__lte=now
    ).select_related("community", "user")
    silenced = Membership.objects.filter(
        silenced_until__isnull=False, silenced_until__lte=now
    ).select_related("community", "user")
    lifted = {"suspensions": 0, "silences": 0}
    for membership in suspended:
        lifted["suspensions"] += reinstate_member(membership, actor=None)
    for membership in silenced:
        lifted["silences"] += unsilence_member(membership, actor=None)
    return lifted
