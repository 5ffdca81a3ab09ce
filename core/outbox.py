"""The outbox: every email is a row written in the caller's transaction, then sent by a task.

DESIGN.md, "The outbox". How an email leaves:

1. `queue_emails` writes one row per message in the caller's transaction (a key already queued is
   left alone) and, once that transaction commits, asks tasks to send the new rows, 50 a task. If
   the broker cannot be reached, that is logged and the caller goes on: the rows wait.
2. `send_batch` (the task) opens one connection to the mail server and, row by row, takes the row
   (a compare-and-set on its attempts, so two tasks never send the same row at once), sends it
   and marks it sent once the server accepted it. A refused address fails its own row only; a
   lost connection ends the batch and leaves the rest unsent.
3. `sweep` (beat, every minute) hands the unsent rows that are due to tasks again. A row is due
   COP_OUTBOX_RETRY_AFTER_SECONDS after it was queued, then after each try with a backoff that
   doubles; after COP_OUTBOX_MAX_ATTEMPTS tries it is given up (`failed_at`).

A worker killed mid-batch leaves at most the row it was writing taken but unsent: the sweeper sends
it again (a duplicate only if the server had accepted it just before the kill); the rows it had
not reached are sent by the redelivered task or by the sweeper.
"""

import hashlib
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from enum import Enum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from core.email import build_message, render_email, send_over
from core.models import OutboxEmail
from core.tasks import send_outbox_batch

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# One sweep hands out at most this many batches: after a long outage the backlog reaches the
# broker a thousand emails a minute, not all at once.
SWEEP_MAX_BATCHES = 20
MAX_BACKOFF = timedelta(hours=1)
# Django's SMTP backend waits forever unless told otherwise (EMAIL_TIMEOUT): a mail server that
# hangs must end the batch, not hold the worker.
SMTP_TIMEOUT_SECONDS = 30

# kind (the key's first part, e.g. "invitation") → called with (key, sent_at) once it is sent.
SentHook = Callable[[str, datetime], None]
_SENT_HOOKS: dict[str, SentHook] = {}


@dataclass(frozen=True)
class OutgoingEmail:
    key: str
    to: str
    subject: str
    body: str
    html_body: str = ""


class _Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    STOP = "stop"


def retry_after() -> timedelta:
    return timedelta(seconds=settings.COP_OUTBOX_RETRY_AFTER_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th try an unsent email is due again."""
    return min(retry_after() * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def register_sent_hook(kind: str, hook: SentHook) -> None:
    """Tell an app when one of its emails was sent, e.g. ("invitation", note_invitation_sent)."""
    _SENT_HOOKS[kind] = hook


def render_outgoing(
    template_prefix: str, *, key: str, to: str, context: dict, language: str | None = None
) -> OutgoingEmail:
    """An email rendered now, in the recipient's language, ready for `queue_emails`."""
    rendered = render_email(template_prefix, context=context, language=language)
    return OutgoingEmail(
        key=key,
        to=to,
        subject=rendered.subject[: OutboxEmail._meta.get_field("subject").max_length],
        body=rendered.body,
        html_body=rendered.html_body,
    )


def queue_emails(emails: Iterable[OutgoingEmail]) -> list[int]:
    """Write emails to the outbox in the caller's transaction; tasks send them once it commits.

    Like get_or_create on the key: a key already queued is left as it was. Returns the ids of the
    rows written by this call.
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
        transaction.on_commit(lambda: dispatch(ids))
    return ids


def queue_email(*, key: str, to: str, subject: str, body: str, html_body: str = "") -> bool:
    """Queue one email (see `queue_emails`); False when its key was already queued."""
    email = OutgoingEmail(key=key, to=to, subject=subject, body=body, html_body=html_body)
    return bool(queue_emails([email]))


def dispatch(ids: list[int]) -> bool:
    """Ask tasks to send these rows, 50 a task; False when the broker could not take them all."""
    for start in range(0, len(ids), BATCH_SIZE):
        try:
            send_outbox_batch.delay(ids[start : start + BATCH_SIZE])
        except Exception:  # broker down or hung, or an inline task that failed: never the caller's
            logger.warning(
                "could not hand %d outbox emails to a task; the sweeper will send them",
                len(ids) - start,
                exc_info=True,
            )
            # The next publish would most likely wait as long again: the sweeper has them all.
            return False
    return True


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
        _unsent()
        .filter(key__startswith=prefix)
        .update(failed_at=timezone.now(), last_error=f"withdrawn: {reason}")
    )


def send_batch(ids: list[int]) -> int:
    """Send up to 50 outbox rows over one connection; returns how many the mail server accepted.

    Rows already sent, failed, or taken by another task moments ago are skipped, so running the
    same batch twice sends nothing twice.
    """
    ids = list(dict.fromkeys(ids))
    if len(ids) > BATCH_SIZE:
        logger.warning("outbox batch of %d rows cut to %d", len(ids), BATCH_SIZE)
        ids = ids[:BATCH_SIZE]
    if not _takeable(timezone.now()).filter(pk__in=ids).exists():
        return 0
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT_SECONDS)
    try:
        connection.open()
    except Exception as error:  # whatever the backend raises, the rows wait for the sweeper
        logger.warning("could not connect to the mail server: %s", error)
        # Not counted as a try: the mail server being away is no fault of these emails.
        _takeable(timezone.now()).filter(pk__in=ids).update(last_error=_describe(error))
        return 0
    sent = 0
    try:
        for pk in ids:
            row = _take(pk)
            if row is None:
                continue
            outcome = _send_row(connection, row)
            if outcome is _Outcome.SENT:
                sent += 1
            elif outcome is _Outcome.STOP:
                break
    finally:
        _close(connection)
    return sent


def sweep(*, now: datetime | None = None) -> int:
    """Hand the unsent emails that are due to tasks again, 50 a task, and give up those out of
    tries; returns how many were handed out."""
    now = now or timezone.now()
    max_attempts = settings.COP_OUTBOX_MAX_ATTEMPTS
    # Waits out the last try's backoff first: that try may still be under way.
    given_up = (
        _unsent()
        .filter(attempts__gte=max_attempts, next_attempt_at__lte=now)
        .update(
            failed_at=now,
            last_error=Concat(Value(f"gave up after {max_attempts} tries; "), F("last_error")),
        )
    )
    if given_up:
        logger.warning("gave up %d outbox emails after %d tries", given_up, max_attempts)
    due = list(
        _unsent()
        .filter(attempts__lt=max_attempts, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: BATCH_SIZE * SWEEP_MAX_BATCHES]
    )
    if not due:
        return 0
    # Not handed out again by the next sweeps while its task waits in the queue.
    OutboxEmail.objects.filter(pk__in=due, next_attempt_at__lte=now).update(
        next_attempt_at=now + retry_after()
    )
    dispatch(due)
    return len(due)


# --- Sending one row ------------------------------------------------------------------------


def _unsent() -> QuerySet[OutboxEmail]:
    return OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def _takeable(now: datetime) -> QuerySet[OutboxEmail]:
    """Unsent rows with tries left that no task took within the last retry_after."""
    return _unsent().filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - retry_after()),
        attempts__lt=settings.COP_OUTBOX_MAX_ATTEMPTS,
    )


def _take(pk: int) -> OutboxEmail | None:
    """Re-read a row and claim this try of it; None when it is not to be sent now."""
    now = timezone.now()
    row = _takeable(now).filter(pk=pk).first()
    if row is None:
        return None
    attempts = row.attempts + 1
    # Compare-and-set on `attempts`: of two tasks reading the same row, one only takes it. The
    # claim is committed before the send, so a try cut short by a kill still counts.
    taken = (
        _unsent()
        .filter(pk=pk, attempts=row.attempts)
        .update(attempts=attempts, last_attempt_at=now, next_attempt_at=now + backoff(attempts))
    )
    if not taken:
        return None
    row.attempts = attempts
    return row


def _send_row(connection: BaseEmailBackend, row: OutboxEmail) -> _Outcome:
    try:
        accepted = send_over(connection, _message(row))
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _message_text in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return _fail(row, error)
        return _retry_later(row, error)
    except smtplib.SMTPSenderRefused as error:
        # Our own sender address refused: a configuration matter, the same for every row.
        logger.error("the mail server refused the sender address: %s", error)
        _retry_later(row, error)
        return _Outcome.STOP
    except smtplib.SMTPResponseException as error:
        # 5xx: this message is refused for good (e.g. its content); 4xx: try again later.
        if error.smtp_code >= 500:
            return _fail(row, error)
        return _retry_later(row, error)
    except OSError as error:  # the connection is lost (SMTPServerDisconnected, a timeout, …)
        logger.warning("lost the mail server while sending %s: %s", row.key, error)
        _retry_later(row, error)
        return _Outcome.STOP
    except ValueError as error:  # an address or header that cannot be written
        return _fail(row, error)
    except Exception as error:  # another backend's error: logged, tried again later
        logger.exception("could not send %s", row.key)
        return _retry_later(row, error)
    if not accepted:
        return _retry_later(row, "the mail backend did not send it")
    _mark_sent(row)
    return _Outcome.SENT


def _message(row: OutboxEmail) -> EmailMultiAlternatives:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "praxis.invalid"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:24]
    # The same Message-ID on every try: a mail client shows a rare duplicate as one message.
    headers = {"Message-ID": f"<{digest}.{row.pk}@{domain}>"}
    return build_message(
        to=row.to, subject=row.subject, body=row.body, html_body=row.html_body, headers=headers
    )


def _mark_sent(row: OutboxEmail) -> None:
    sent_at = timezone.now()
    hook = _SENT_HOOKS.get(row.key.partition(":")[0])
    # The row and what its hook records commit together: a kill between the two would leave,
    # say, an invitation sent but not known as sent.
    with transaction.atomic():
        # Recorded even if the row was withdrawn meanwhile: the mail server has it, that is the
        # fact.
        marked = OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            sent_at=sent_at, failed_at=None, last_error=""
        )
        if not marked or hook is None:
            return
        try:
            with transaction.atomic():
                hook(row.key, sent_at)
        except Exception:  # the email is out: bookkeeping elsewhere must not make it look unsent
            logger.exception("the sent hook of %s failed", row.key)


def _fail(row: OutboxEmail, error: Exception) -> _Outcome:
    logger.warning("the mail server refused %s for good: %s", row.key, error)
    _unsent().filter(pk=row.pk).update(failed_at=timezone.now(), last_error=_describe(error))
    return _Outcome.FAILED


def _retry_later(row: OutboxEmail, error: Exception | str) -> _Outcome:
    changes: dict = {"last_error": _describe(error)}
    if row.attempts >= settings.COP_OUTBOX_MAX_ATTEMPTS:
        changes["failed_at"] = timezone.now()
        changes["last_error"] = f"gave up after {row.attempts} tries; {changes['last_error']}"
    _unsent().filter(pk=row.pk).update(**changes)
    return _Outcome.RETRY


def _describe(error: Exception | str) -> str:
    if isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}"[:2000]


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # the batch's outcome is recorded; a failed QUIT changes nothing
        logger.warning("closing the mail connection failed", exc_info=True)
