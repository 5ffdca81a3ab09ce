"""Joining, leaving, roles and suspensions."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.models import Community, Membership
from communities.permissions import can_leave
from communities.services.logs import audit, notify, record_activity

ROLE_CHANGED = _("Your role in %(community_name)s is now: %(role)s.")
SUSPENDED = _("Your membership of %(community_name)s is suspended: %(reason)s")
REINSTATED = _("Your membership of %(community_name)s is active again.")


class MembershipError(Exception):
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
        community, user, "member.joined", user, summary=user.name, url=community.get_absolute_url()
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
        actor, community, "member.leave", membership.user, details={"role": membership.role}, ip=ip
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
        "member.role",
        membership.user,
        details={"from": before, "to": role},
        ip=ip,
    )
    record_activity(
        community,
        actor,
        "member.role_changed",
        membership.user,
        summary=membership.user.name,
        url=community.get_absolute_url(),
    )
    notify(
        membership.user,
        "member.role_changed",
        ROLE_CHANGED,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        community_name=community.name,
        role=Membership.Role(role).label,
    )
    return True


@transaction.atomic
def suspend_member(
    membership: Membership, *, actor: User, reason: str, ip: str | None = None
) -> bool:
    """Suspend a member with a reason; False when already suspended."""
    if not membership.is_active:
        return False
    membership.state = Membership.State.SUSPENDED
    membership.suspended_at = timezone.now()
    membership.suspended_by = actor
    membership.suspended_reason = reason
    membership.save(update_fields=["state", "suspended_at", "suspended_by", "suspended_reason"])
    community = membership.community
    audit(actor, community, "member.suspend", membership.user, details={"reason": reason}, ip=ip)
    notify(
        membership.user,
        "member.suspended",
        SUSPENDED,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        community_name=community.name,
        reason=reason,
    )
    return True


@transaction.atomic
def reinstate_member(membership: Membership, *, actor: User, ip: str | None = None) -> bool:
    """Lift a suspension; False when the member was not suspended."""
    if membership.is_active:
        return False
    membership.state = Membership.State.ACTIVE
    membership.suspended_at = None
    membership.suspended_by = None
    membership.suspended_reason = ""
    membership.save(update_fields=["state", "suspended_at", "suspended_by", "suspended_reason"])
    community = membership.community
    audit(actor, community, "member.reinstate", membership.user, ip=ip)
    notify(
        membership.user,
        "member.reinstated",
        REINSTATED,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        community_name=community.name,
    )
    return True
