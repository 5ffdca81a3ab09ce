"""The outbox: every email is a row written in the caller's transaction, then sent by a task.

DESIGN.md, "The outbox". How an email leaves:

1. `queue_emails` writes one row per message in the caller's transaction (a key already queued is
   left alone) and, once that transaction commits, asks tasks to send the new rows, 50 a task. If
   the broker cannot be reached, that is logged and the caller goes on: the rows wait.
2. `send_batch` (core/outbox_delivery.py, run by the task core.tasks.send_outbox_batch) opens one
   connection to the mail server, takes the batch's rows in one statement (a compare-and-set on
   their attempts, so two tasks never send the same row at once), then sends each and marks it
   sent once the server accepted it. A refused address fails its own row only; a lost
   connection ends the batch and gives the rows it had not tried back, unsent.
3. The sweeper (core.tasks.sweep_outbox, beat, every minute) hands the unsent rows that are due
   to tasks again. A row is due COP_OUTBOX_RETRY_AFTER_SECONDS after it was queued, then after
   each try with a backoff that doubles; after COP_OUTBOX_MAX_ATTEMPTS tries it is given up
   (`failed_at`).

A worker killed mid-batch leaves the rows it had not sent taken: the sweeper sends them once
retry_after has passed (the one it was writing is a duplicate only if the server had accepted it
just before the kill).

Imports point one way: this module → core.tasks → (in the task bodies) core.outbox_delivery.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.background import delay_in_batches
from core.email import render_email
from core.models import OutboxEmail
from core.outbox_delivery import (
    BATCH_SIZE,
    backoff,
    register_sent_hook,
    retry_after,
    send_batch,
    unsent,
)
from core.tasks import send_outbox_batch

# The send side (core.outbox_delivery) keeps the hooks and the backoff it applies; apps reach
# the whole outbox through this one module.
__all__ = [
    "OutgoingEmail",
    "backoff",
    "dispatch",
    "next_key",
    "queue_email",
    "queue_emails",
    "register_sent_hook",
    "render_outgoing",
    "retry_after",
    "withdraw",
]


@dataclass(frozen=True)
class OutgoingEmail:
    key: str
    to: str
    subject: str
    body: str
    html_body: str = ""
    # Extra headers: List-Unsubscribe and List-Unsubscribe-Post, Reply-To.
    headers: dict = field(default_factory=dict)


def render_outgoing(
    template_prefix: str,
    *,
    key: str,
    to: str,
    context: dict,
    language: str | None = None,
    headers: dict | None = None,
) -> OutgoingEmail:
    """An email rendered now, in the recipient's language, ready for `queue_emails`."""
    rendered = render_email(template_prefix, context=context, language=language)
    return OutgoingEmail(
        key=key,
        to=to,
        subject=rendered.subject[: OutboxEmail._meta.get_field("subject").max_length],
        body=rendered.body,
        html_body=rendered.html_body,
        headers=dict(headers or {}),
    )


def queue_emails(emails: Iterable[OutgoingEmail], *, send_here: bool = False) -> list[int]:
    """Write emails to the outbox in the caller's transaction; tasks send them once it commits.

    Like get_or_create on the key: a key already queued is left as it was. Returns the ids of the
    rows written by this call.

    `send_here` is for a caller that is itself a batch task on a worker (the digests): once the
    transaction commits, this process sends the rows, 50 a connection, instead of handing them
    to new tasks through the broker. They are in the outbox first all the same: if the process
    dies meanwhile, the sweeper sends them.
    """
    by_key = {email.key: email for email in emails}
    if not by_key:
        return []
    existing = set(OutboxEmail.objects.filter(key__in=by_key).values_list("key", flat=True))
    now = timezone.now()
    due = now + retry_after()
    new = [email for key, email in by_key.items() if key not in existing]
    # A concurrent transaction queueing the same key wins: its row is the one kept (no
    # IntegrityError here, so the caller's transaction goes on).
    OutboxEmail.objects.bulk_create(
        [
            OutboxEmail(
                key=email.key,
                to=email.to,
                subject=email.subject,
                body=email.body,
                html_body=email.html_body,
                headers=email.headers,
                created_at=now,
                next_attempt_at=due,
            )
            for email in new
        ],
        ignore_conflicts=True,
    )
    ids = list(
        OutboxEmail.objects.filter(key__in=[email.key for email in new], created_at=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _send_here(ids) if send_here else dispatch(ids))
    return ids


def _send_here(ids: list[int]) -> None:
    for start in range(0, len(ids), BATCH_SIZE):
        send_batch(ids[start : start + BATCH_SIZE])


def queue_email(
    *, key: str, to: str, subject: str, body: str, html_body: str = "", headers: dict | None = None
) -> bool:
    """Queue one email (see `queue_emails`); False when its key was already queued."""
    email = OutgoingEmail(
        key=key, to=to, subject=subject, body=body, html_body=html_body, headers=dict(headers or {})
    )
    return bool(queue_emails([email]))


def dispatch(ids: list[int]) -> bool:
    """Ask tasks to send these rows, 50 a task; False when the broker could not take them all."""
    return delay_in_batches(send_outbox_batch, ids, size=BATCH_SIZE)


def next_key(prefix: str) -> str:
    """The next unused key under `prefix`: "invitation:42:" → "invitation:42:3"."""
    numbers = [
        int(suffix)
        for key in OutboxEmail.objects.filter(key__startswith=prefix).values_list("key", flat=True)
        if (suffix := key[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def withdraw(prefix: str, *, reason: str) -> int:
    """Give up the unsent emails whose key starts with `prefix`; returns how many."""
    return (
        unsent()
        .filter(key__startswith=prefix)
        .update(failed_at=timezone.now(), last_error=f"withdrawn: {reason}")
    )
