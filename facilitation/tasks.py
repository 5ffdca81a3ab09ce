"""Facilitation's tasks: thin, taking ids, safe to run twice (STYLE.md, "Services and tasks").

Each task imports its service inside its body; a periodic task asks the service who is due and
hands them to its batch task, 50 a task (core.background): the services never import this
module, so no two modules import each other.
"""

from datetime import datetime

from celery import shared_task

from core.background import delay_in_batches

# Members a batch task takes at most.
BATCH_SIZE = 50

# A digest batch (50 members) is cut here: it must stay below the broker's visibility timeout
# (COP_CELERY_VISIBILITY_TIMEOUT), or Redis would hand a batch still running to a second worker.
DIGEST_BATCH_TIME_LIMIT = 300


@shared_task(ignore_result=True)
def plan_digests(now: datetime | None = None) -> int:
    """Periodic (beat, every 15 minutes): hand the members whose digest is due to
    `send_digest_batch`, 50 a task; returns how many."""
    from facilitation import digests

    ids = digests.due_member_ids(now=now)
    # A fixed `now` (tests, catching up) rides along; the beat's own runs use the batch's time.
    task = send_digest_batch if now is None else send_digest_batch.s(now=now)
    delay_in_batches(task, ids, size=BATCH_SIZE)
    return len(ids)


@shared_task(ignore_result=True, time_limit=DIGEST_BATCH_TIME_LIMIT)
def send_digest_batch(user_ids: list[int], now: datetime | None = None) -> int:
    """Claim, build and queue the due digests of up to 50 members, then send them from here over
    one connection; returns how many emails were queued (a member already claimed for the
    period is skipped)."""
    from facilitation import digests

    return digests.send_digests(user_ids, now=now, send_here=True)


@shared_task(ignore_result=True)
def send_facilitator_reminders(now: datetime | None = None) -> int:
    """Periodic (beat, every 15 minutes): hand the facilitators whose morning it is to
    `send_facilitator_reminder_batch`, 50 a task; returns how many."""
    from facilitation import reminders

    ids = reminders.due_facilitators(now)
    task = (
        send_facilitator_reminder_batch
        if now is None
        else send_facilitator_reminder_batch.s(now=now)
    )
    delay_in_batches(task, ids, size=BATCH_SIZE)
    return len(ids)


@shared_task(ignore_result=True, time_limit=DIGEST_BATCH_TIME_LIMIT)
def send_facilitator_reminder_batch(user_ids: list[int], now: datetime | None = None) -> int:
    """Queue today's reminder of up to 50 facilitators whom something needs; returns how many
    (a day already claimed by its outbox key is skipped)."""
    from facilitation import reminders

    return reminders.send_reminders(user_ids, now=now)
