"""Background work of the communities app: thin, taking ids, safe to run twice."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from communities.models import Invitation
from core.email import send_templated_email


@shared_task
def send_invitation_emails(invitation_ids: list[int], base_url: str, requested_at: str) -> int:
    """Email each invitation of a batch once per request to send it; returns how many were sent.

    An invitation already sent since `requested_at` (a retried task) or no longer usable is
    skipped.
    """
    requested = datetime.fromisoformat(requested_at)
    sent = 0
    invitations = Invitation.objects.filter(pk__in=invitation_ids).select_related(
        "community", "created_by"
    )
    for invitation in invitations:
        if not invitation.is_usable or invitation.kind != Invitation.Kind.EMAIL:
            continue
        if invitation.last_sent_at is not None and invitation.last_sent_at >= requested:
            continue
        # Claim the send first, so a second run of this task does not send it again.
        claimed = Invitation.objects.filter(pk=invitation.pk, last_sent_at=invitation.last_sent_at)
        if not claimed.update(last_sent_at=timezone.now()):
            continue
        send_templated_email(
            "communities/email/invitation",
            to=invitation.email,
            context={
                "invitation": invitation,
                "community": invitation.community,
                "inviter": invitation.created_by,
                "url": base_url.rstrip("/") + invitation.get_absolute_url(),
            },
            language=invitation.community.language,
        )
        sent += 1
    return sent


@shared_task
def lift_expired_sanctions() -> dict:
    """Periodic (beat): end suspensions and silences whose time is up."""
    from communities import services

    return services.lift_expired_sanctions()
