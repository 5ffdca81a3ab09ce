"""Invitations: by email (one or many), reusable links, revoke, resend, accept."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.models import Community, Invitation, Membership
from communities.permissions import can_accept_invitation
from communities.services.logs import audit, notify
from communities.services.membership import MembershipError, add_member

EMAIL_INVITATION_DAYS = 14
INVITATION_ACCEPTED = _("%(person)s accepted your invitation to %(community_name)s.")


def _queue_emails(invitations: list[Invitation], base_url: str) -> None:
    from communities.tasks import send_invitation_emails

    ids = [invitation.pk for invitation in invitations]
    requested_at = timezone.now().isoformat()
    transaction.on_commit(lambda: send_invitation_emails.delay(ids, base_url, requested_at))


@transaction.atomic
def invite_by_email(
    community: Community,
    *,
    actor: User,
    emails: list[str],
    role: str = Membership.Role.MEMBER,
    message: str = "",
    base_url: str = "",
    ip: str | None = None,
) -> list[Invitation]:
    """Invite addresses (already validated by the form); all are created or none.

    One email task is queued for the whole batch, after the transaction commits.
    """
    expires_at = timezone.now() + timedelta(days=EMAIL_INVITATION_DAYS)
    invitations = [
        Invitation.objects.create(
            community=community,
            kind=Invitation.Kind.EMAIL,
            email=email.strip().lower(),
            role=role,
            message=message.strip(),
            created_by=actor,
            expires_at=expires_at,
            max_uses=1,
        )
        for email in emails
    ]
    if invitations:
        audit(
            actor,
            community,
            "invitation.create",
            details={"count": len(invitations), "role": role, "kind": "email"},
            ip=ip,
        )
        _queue_emails(invitations, base_url or settings.COP_SITE_URL)
    return invitations


@transaction.atomic
def create_invitation_link(
    community: Community,
    *,
    actor: User,
    role: str = Membership.Role.MEMBER,
    expires_at: datetime,
    max_uses: int,
    ip: str | None = None,
) -> Invitation:
    """A reusable link that anyone holding it may use, until it expires or is used up."""
    invitation = Invitation.objects.create(
        community=community,
        kind=Invitation.Kind.LINK,
        role=role,
        created_by=actor,
        expires_at=expires_at,
        max_uses=max_uses,
    )
    audit(
        actor,
        community,
        "invitation.create",
        invitation,
        details={"kind": "link", "role": role, "max_uses": max_uses},
        ip=ip,
    )
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> bool:
    """Withdraw an invitation; False when it was already revoked."""
    if invitation.is_revoked:
        return False
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit(actor, invitation.community, "invitation.revoke", invitation, ip=ip)
    return True


@transaction.atomic
def resend_invitation(
    invitation: Invitation, *, actor: User, base_url: str = "", ip: str | None = None
) -> bool:
    """Send an email invitation again, renewing its expiry; False for links and dead ones."""
    if invitation.kind != Invitation.Kind.EMAIL or invitation.is_revoked or invitation.is_used_up:
        return False
    invitation.expires_at = timezone.now() + timedelta(days=EMAIL_INVITATION_DAYS)
    invitation.save(update_fields=["expires_at"])
    audit(actor, invitation.community, "invitation.resend", invitation, ip=ip)
    _queue_emails([invitation], base_url or settings.COP_SITE_URL)
    return True


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    """Join through an invitation, taking its role; counts one use."""
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    if not can_accept_invitation(user, invitation):
        if invitation.is_usable and invitation.kind == Invitation.Kind.EMAIL:
            raise MembershipError(
                _("This invitation was sent to another email address than yours.")
            )
        raise MembershipError(_("This invitation can no longer be used."))
    community = invitation.community
    existing = Membership.objects.filter(community=community, user=user).first()
    if existing is not None:
        return existing
    invitation.use_count += 1
    invitation.save(update_fields=["use_count"])
    membership = add_member(
        community, user, role=invitation.role, actor=invitation.created_by, via="invitation"
    )
    if invitation.created_by is not None and invitation.created_by != user:
        notify(
            invitation.created_by,
            "invitation.accepted",
            INVITATION_ACCEPTED,
            url=community.get_absolute_url() + "members/",
            community=community,
            actor=user,
            person=user.name,
            community_name=community.name,
        )
    return membership


def accept_invitations_for_email(user: User, email: str) -> list[Membership]:
    """Accept every usable invitation sent to an address the person has just verified."""
    memberships = []
    pending = Invitation.objects.filter(
        kind=Invitation.Kind.EMAIL,
        email__iexact=email,
        revoked_at__isnull=True,
        use_count=0,
        expires_at__gt=timezone.now(),
    ).select_related("community")
    for invitation in pending:
        if can_accept_invitation(user, invitation):
            memberships.append(accept_invitation(invitation, user=user))
    return memberships
