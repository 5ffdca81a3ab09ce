"""Reading notifications."""

from django.utils import timezone

from accounts.models import User
from communities.models import Notification


def mark_notification_read(notification: Notification, *, actor: User) -> bool:
    """Mark one of the actor's notifications read; False when it already was."""
    if notification.recipient_id != actor.pk or notification.read_at is not None:
        return False
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    return True


def mark_all_notifications_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
