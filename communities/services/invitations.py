"""Invitations: by email (one or many), reusable links, revoke, resend, accept."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, Invitation, Membership
from communities.permissions import can_accept_invitation
from communities.services.logs import audit, notify
from communities.services.membership import MembershipError, add_member
from core import outbox

EMAIL_INVITATION_DAYS = 14


def _email_key_prefix(invitation: Invitation) -> str:
    return f"invitation:{invitation.pk}:"


def _invitation_email(invitation: Invitation, *, key: str, base_url: str) -> outbox.OutgoingEmail:
    return outbox.render_outgoing(
        "communities/email/invitation",
        key=key,
        to=invitation.email,
        context={
            "invitation": invitation,
            "community": invitation.community,
            "inviter": invitation.created_by,
            "url": base_url.rstrip("/") + invitation.get_absolute_url(),
        },
        language=invitation.community.language,
    )


def note_invitation_email_sent(key: str, sent_at: datetime) -> None:
    """Outbox hook: record when an invitation's email was accepted by the mail server."""
    invitation_id = key.split(":")[1]
    Invitation.objects.filter(pk=invitation_id).filter(
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=sent_at)
    ).update(last_sent_at=sent_at)


def _send_again(invitations: list[Invitation], base_url: str) -> None:
    """Renew each invitation's expiry and queue a new email for it, in place of any still unsent."""
    expires_at = timezone.now() + timedelta(days=EMAIL_INVITATION_DAYS)
    emails = []
    for invitation in invitations:
        prefix = _email_key_prefix(invitation)
        # Only the newest email goes out: it states the renewed expiry.
        outbox.withdraw(prefix, reason="replaced by a newer invitation email")
        invitation.expires_at = expires_at
        invitation.save(update_fields=["expires_at"])
        emails.append(_invitation_email(invitation, key=outbox.next_key(prefix), base_url=base_url))
    outbox.queue_emails(emails)


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
    """Invite addresses (already validated by the form); all are invited or none.

    An address whose open invitation was never sent (its email still waits, or was refused) or
    has expired gets that invitation again, renewed, rather than a second one. Each email is a
    row of the outbox, sent once the transaction commits. Returns the invitations emailed.
    """
    addresses = list(dict.fromkeys(email.strip().lower() for email in emails))
    base_url = base_url or settings.COP_SITE_URL
    now = timezone.now()
    open_invitations = {
        invitation.email: invitation
        for invitation in Invitation.objects.select_for_update(of=("self",))
        .select_related("community", "created_by")
        .filter(
            community=community,
            kind=Invitation.Kind.EMAIL,
            revoked_at__isnull=True,
            use_count=0,
            email__in=addresses,
        )
    }
    renewed = [
        invitation
        for invitation in open_invitations.values()
        if invitation.last_sent_at is None or invitation.expires_at <= now
    ]
    expires_at = now + timedelta(days=EMAIL_INVITATION_DAYS)
    created = []
    for email in addresses:
        if email in open_invitations:
            continue
        try:
            # A savepoint: another inviter may open the same address's invitation this instant
            # (one open invitation per address); theirs stands, and this one is already done.
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    community=community,
                    kind=Invitation.Kind.EMAIL,
                    email=email,
                    role=role,
                    message=message.strip(),
                    created_by=actor,
                    expires_at=expires_at,
                    max_uses=1,
                )
        except IntegrityError:
            continue
        created.append(invitation)
    if created:
        audit(
            actor,
            community,
            CommunityEvent.INVITATION_CREATE,
            details={"count": len(created), "role": role, "kind": "email"},
            ip=ip,
        )
        outbox.queue_emails(
            _invitation_email(
                invitation, key=_email_key_prefix(invitation) + "1", base_url=base_url
            )
            for invitation in created
        )
    for invitation in renewed:
        audit(actor, community, CommunityEvent.INVITATION_RESEND, invitation, ip=ip)
    _send_again(renewed, base_url)
    return created + renewed


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
        CommunityEvent.INVITATION_CREATE,
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
    outbox.withdraw(_email_key_prefix(invitation), reason="the invitation was revoked")
    audit(actor, invitation.community, CommunityEvent.INVITATION_REVOKE, invitation, ip=ip)
    return True


@transaction.atomic
def resend_invitation(
    invitation: Invitation, *, actor: User, base_url: str = "", ip: str | None = None
) -> bool:
    """Send an email invitation again, renewing its expiry; False for links and dead ones.

    An earlier email still waiting in the outbox is withdrawn: only the new one goes out.
    """
    if invitation.kind != Invitation.Kind.EMAIL or invitation.is_revoked or invitation.is_used_up:
        return False
    audit(actor, invitation.community, CommunityEvent.INVITATION_RESEND, invitation, ip=ip)
    _send_again([invitation], base_url or settings.COP_SITE_URL)
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
    if invitation.kind == Invitation.Kind.EMAIL:
        # Accepted already: an email of it still waiting would only confuse.
        outbox.withdraw(_email_key_prefix(invitation), reason="the invitation was accepted")
    membership = add_member(
        community, user, role=invitation.role, actor=invitation.created_by, via="invitation"
    )
    if invitation.created_by is not None and invitation.created_by != user:
        notify(
            invitation.created_by,
            CommunityEvent.INVITATION_ACCEPT,
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
