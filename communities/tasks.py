"""Background work of the communities app: thin, taking ids, safe to run twice.

Emails are sent by the outbox (core/outbox.py, core/tasks.py). A periodic task here asks the
services who is due and hands them to its batch task, 50 a task: the services never import this
module, so the two never import each other.
"""

from datetime import datetime

from celery import shared_task

from core.background import delay_in_batches

# People (or invitations) a batch task takes at most.
BATCH_SIZE = 50


@shared_task
def lift_expired_sanctions() -> dict:
    """Periodic (beat): end suspensions and silences whose time is up."""
    from communities import services

    return services.lift_expired_sanctions()


@shared_task
def email_notifications() -> int:
    """Periodic (beat, every minute): hand the people whose notification emails are due to
    `email_notification_batch`, 50 a task; returns how many people."""
    from communities import notification_emails

    people = notification_emails.recipients_due()
    delay_in_batches(email_notification_batch, people, size=BATCH_SIZE)
    return len(people)


@shared_task
def email_notification_batch(user_ids: list[int]) -> int:
    """Queue the grouped notification email of each of these people (safe to run twice)."""
    from communities import notification_emails

    return notification_emails.email_notifications_to(user_ids)


@shared_task(ignore_result=True)
def remind_invitations(now: datetime | None = None) -> int:
    """Periodic (beat, hourly): hand the email invitations due a reminder (3 and 10 days) or an
    expiry notice to `remind_invitation_batch`, 50 a task; returns how many."""
    from communities.services import invitations

    ids = invitations.invitations_to_remind(now=now)
    task = remind_invitation_batch if now is None else remind_invitation_batch.s(now=now)
    delay_in_batches(task, ids, size=BATCH_SIZE)
    return len(ids)


@shared_task(ignore_result=True)
def remind_invitation_batch(invitation_ids: list[int], now: datetime | None = None) -> dict:
    """Queue the due reminders of up to 50 invitations and tell the inviters of those expired
    unanswered (safe to run twice)."""
    from communities.services import invitations

    return invitations.remind_invitations(invitation_ids, now=now)
