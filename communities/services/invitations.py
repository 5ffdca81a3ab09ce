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


# --- Reminders and expiry (communities.tasks.remind_invitations, beat, hourly) ----------------
#
# An email invitation not yet answered (unused, not revoked, not expired) is reminded 3 and 10
# days after it was issued, each once; when it expires unanswered, the inviter is told once, in
# the app (a notification, emailed as a "membership" email by their preference).
#
# "Issued" is the later of `created_at` and `expires_at` − 14 days: every email invitation's
# expiry is set 14 days after it is sent (created, sent again, renewed), so that is when the
# invitation the person holds was last issued, and a renewed one is reminded from its renewal,
# not from its creation. `last_sent_at` is not the clock, because the reminders' own sends move
# it (their keys start with "invitation:", so the outbox's sent hook records them too); it only
# says that an email of the invitation reached the mail server: no reminder of an invitation
# whose first email never left.
#
# Each reminder is claimed by its outbox key, `invitation:<id>:reminder-3` and `…:reminder-10`,
# once per invitation: an invitation sent again by hand is not reminded a second time (the
# resend was the reminder). A task that ran late sends only the latest reminder due. Accepting
# or revoking withdraws a reminder still waiting (its key shares the invitation's prefix). The
# expiry notice is claimed by the notification itself (its target names the invitation), looked
# for under a lock on the invitation row.
#
# Language: the reminder is written in the community's language, as the first invitation was
# (the invitee may have no account to say theirs); the inviter's language if the community has
# none.

INVITATION_REMINDER_DAYS = (10, 3)  # latest first: a late run sends only the latest due
# Expiries older than this are not told any more (a first run does not tell old history).
EXPIRY_NOTICE_WITHIN = timedelta(days=2)
REMINDER_BATCH_SIZE = 50


def _reminder_key(invitation_id: int, days: int) -> str:
    return f"invitation:{invitation_id}:reminder-{days}"


def _outbox_key_exists(days: int):
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat

    from core.models import OutboxEmail

    key = Concat(
        Value("invitation:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":reminder-{days}"),
        output_field=CharField(),
    )
    return Exists(OutboxEmail.objects.filter(key=key))


def _open_email_invitations():
    return Invitation.objects.filter(
        kind=Invitation.Kind.EMAIL,
        revoked_at__isnull=True,
        use_count=0,
        community__status=Community.Status.ACTIVE,
    )


def _issued_before(moment: datetime) -> Q:
    """Invitations issued (see above) at `moment` or earlier."""
    return Q(created_at__lte=moment, expires_at__lte=moment + timedelta(days=EMAIL_INVITATION_DAYS))


def _stage_due(invitation: Invitation, now: datetime) -> int | None:
    issued = max(
        invitation.created_at, invitation.expires_at - timedelta(days=EMAIL_INVITATION_DAYS)
    )
    for days in INVITATION_REMINDER_DAYS:
        if issued <= now - timedelta(days=days):
            return days
    return None


def invitations_to_remind(*, now: datetime | None = None) -> list[int]:
    """Ids of the email invitations due a reminder not yet queued, or expired unanswered lately
    with their inviter not yet told (a couple of queries however many)."""
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat

    from communities.models import Notification

    now = now or timezone.now()
    late, early = INVITATION_REMINDER_DAYS
    open_invitations = _open_email_invitations().filter(
        expires_at__gt=now, last_sent_at__isnull=False
    )
    reminders = open_invitations.filter(
        (_issued_before(now - timedelta(days=late)) & ~_outbox_key_exists(late))
        | (
            _issued_before(now - timedelta(days=early))
            & ~_issued_before(now - timedelta(days=late))
            & ~_outbox_key_exists(early)
        )
    )
    told = Exists(
        Notification.objects.filter(
            verb=CommunityEvent.INVITATION_EXPIRE,
            target=Concat(
                Value("communities.invitation:"),
                Cast(OuterRef("pk"), CharField()),
                output_field=CharField(),
            ),
        )
    )
    expired = (
        _open_email_invitations()
        .filter(
            expires_at__lte=now,
            expires_at__gt=now - EXPIRY_NOTICE_WITHIN,
            created_by__isnull=False,
        )
        .filter(~told)
    )
    ids = set(reminders.values_list("pk", flat=True)) | set(expired.values_list("pk", flat=True))
    return sorted(ids)


def _invitation_reminder_email(
    invitation: Invitation, *, days: int, now: datetime
) -> outbox.OutgoingEmail:
    inviter = invitation.created_by
    language = invitation.community.language or (inviter.language if inviter else "") or None
    return outbox.render_outgoing(
        "communities/email/invitation_reminder",
        key=_reminder_key(invitation.pk, days),
        to=invitation.email,
        context={
            "invitation": invitation,
            "community": invitation.community,
            "inviter": inviter,
            "url": settings.COP_SITE_URL + invitation.get_absolute_url(),
            # Whole days, rounded up: "valid 11 more days" until the expiry date it names.
            "days_left": max(-((now - invitation.expires_at) // timedelta(days=1)), 0),
        },
        language=language,
    )


@transaction.atomic
def remind_invitations(invitation_ids: list[int], *, now: datetime | None = None) -> dict:
    """Queue the reminders due of these invitations (≤ 50) and tell the inviters of those that
    expired unanswered; safe to run twice. Returns {"reminded": n, "expired": n}."""
    from django.urls import reverse

    from communities.models import Notification
    from communities.permissions import access_for
    from communities.services.logs import target_key

    now = now or timezone.now()
    invitations = list(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("community", "created_by")
        .filter(
            pk__in=list(invitation_ids)[:REMINDER_BATCH_SIZE],
            kind=Invitation.Kind.EMAIL,
            revoked_at__isnull=True,
            use_count=0,
            community__status=Community.Status.ACTIVE,
        )
        .order_by("pk")
    )
    expired = [
        invitation
        for invitation in invitations
        if invitation.expires_at <= now and invitation.created_by is not None
    ]
    reminders = []
    for invitation in invitations:
        if invitation.expires_at <= now or invitation.last_sent_at is None:
            continue
        days = _stage_due(invitation, now)
        if days is not None:
            reminders.append(_invitation_reminder_email(invitation, days=days, now=now))
    queued = outbox.queue_emails(reminders)

    told = set(
        Notification.objects.filter(
            verb=CommunityEvent.INVITATION_EXPIRE,
            target__in=[target_key(invitation) for invitation in expired],
        ).values_list("target", flat=True)
    )
    memberships = {
        (membership.community_id, membership.user_id): membership
        for membership in Membership.objects.filter(
            community_id__in={invitation.community_id for invitation in expired},
            user_id__in={invitation.created_by_id for invitation in expired},
        )
    }
    notices = 0
    for invitation in expired:
        if target_key(invitation) in told:
            continue
        inviter, community = invitation.created_by, invitation.community
        membership = memberships.get((community.pk, inviter.pk))
        # Only someone who can still send it again is told: a former facilitator cannot act.
        if membership is None or not access_for(inviter, community, membership).can(
            "invitation.manage"
        ):
            continue
        notify(
            inviter,
            CommunityEvent.INVITATION_EXPIRE,
            url=reverse("invitations", args=[community.slug]),
            community=community,
            target=target_key(invitation),
            email=invitation.email,
            community_name=community.name,
        )
        notices += 1
    return {"reminded": len(queued), "expired": notices}
