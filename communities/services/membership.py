"""Joining, leaving, roles and suspensions."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.models import Community, Membership
from communities.permissions import can_leave
from communities.services.logs import audit, notify, record_activity
from core.errors import ActionRefused

ROLE_CHANGED = _("Your role in %(community_name)s is now: %(role)s.")
SUSPENDED = _("Your membership of %(community_name)s is suspended: %(reason)s")
SUSPENDED_UNTIL = _(
    "Your membership of %(community_name)s is suspended until %(until)s: %(reason)s"
)
SILENCED = _(
    "You cannot post in %(community_name)s until %(until)s (you can still read): %(reason)s"
)
UNSILENCED = _("You can post in %(community_name)s again.")
REINSTATED = _("Your membership of %(community_name)s is active again.")


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
    record_activity(community, user, "member.joined", user, url=community.get_absolute_url())
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
        url=community.get_absolute_url(),
    )
    _tell(
        membership,
        "member.role_changed",
        ROLE_CHANGED,
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
        "member.suspend",
        membership.user,
        details={"reason": reason} | ({"until": until.isoformat()} if until else {}),
        ip=ip,
    )
    _tell(
        membership,
        "member.suspended",
        SUSPENDED_UNTIL if until else SUSPENDED,
        actor=actor,
        until=_when(membership.user, until),
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
    audit(actor, community, "member.reinstate", membership.user, ip=ip)
    _tell(membership, "member.reinstated", REINSTATED, actor=actor)
    return True


def _tell(membership: Membership, verb: str, message, *, actor: User | None, **params) -> None:
    """Notify a member about their own membership, in their language."""
    community = membership.community
    notify(
        membership.user,
        verb,
        message,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        community_name=community.name,
        **params,
    )


def _when(person: User, moment: datetime | None) -> str:
    """A moment as the person reads dates: their language and time zone."""
    if moment is None:
        return ""
    import zoneinfo

    from django.utils import translation

    try:
        zone = zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    with translation.override(person.language or None):
        return formats.date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")


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
        "member.silence",
        membership.user,
        details={"reason": reason, "until": until.isoformat()},
        ip=ip,
    )
    _tell(
        membership,
        "member.silenced",
        SILENCED,
        actor=actor,
        reason=reason,
        until=_when(membership.user, until),
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
    audit(actor, community, "member.unsilence", membership.user, ip=ip)
    _tell(membership, "member.unsilenced", UNSILENCED, actor=actor)
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
