"""Delivering the outbox (core/outbox.py): sending rows over one connection to the mail server,
and choosing the rows the sweeper hands out again.

`send_batch` is what core.tasks.send_outbox_batch runs: it opens one connection and, row by row,
takes the row (a compare-and-set on its attempts, so two tasks never send the same row at once),
sends it and marks it sent once the server accepted it. A refused address fails its own row
only; a lost connection ends the batch and leaves the rest unsent. `claim_due` is what
core.tasks.sweep_outbox asks before it hands the rows to tasks again.

Nothing here asks for a task: this module sits below core.tasks, which imports it in its bodies.
"""

import hashlib
import logging
import smtplib
from collections.abc import Callable
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

from core.email import build_message, send_over
from core.models import OutboxEmail

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


class _Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    STOP = "stop"


def retry_after() -> timedelta:
    """How long a queued or taken row waits before the sweeper may hand it out again."""
    return timedelta(seconds=settings.COP_OUTBOX_RETRY_AFTER_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th try an unsent email is due again."""
    return min(retry_after() * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def register_sent_hook(kind: str, hook: SentHook) -> None:
    """Tell an app when one of its emails was sent, e.g. ("invitation", note_invitation_sent)."""
    _SENT_HOOKS[kind] = hook


def send_batch(ids: list[int]) -> int:
    """Send up to 50 outbox rows over one connection; returns how many the mail server accepted.

    Rows already sent, failed, or taken by another task moments ago are skipped, so running the
    same batch twice sends nothing twice.
    """
    ids = list(dict.fromkeys(ids))
    if len(ids) > BATCH_SIZE:
        logger.warning("outbox batch of %d rows cut to %d", len(ids), BATCH_SIZE)
        ids = ids[:BATCH_SIZE]
    # The batch's rows, read once; each is claimed (compare-and-set) just before it is sent.
    rows = {row.pk: row for row in _takeable(timezone.now()).filter(pk__in=ids)}
    if not rows:
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
            row = rows.get(pk)
            if row is None or not _take(row):
                continue
            outcome = _send_row(connection, row)
            if outcome is _Outcome.SENT:
                sent += 1
            elif outcome is _Outcome.STOP:
                break
    finally:
        _close(connection)
    return sent


def claim_due(*, now: datetime | None = None) -> list[int]:
    """The sweep's choice: give up the unsent emails out of tries, and claim for a new try (up
    to SWEEP_MAX_BATCHES batches) those that are due; returns the ids claimed."""
    now = now or timezone.now()
    max_attempts = settings.COP_OUTBOX_MAX_ATTEMPTS
    # Waits out the last try's backoff first: that try may still be under way.
    given_up = (
        unsent()
        .filter(attempts__gte=max_attempts, next_attempt_at__lte=now)
        .update(
            failed_at=now,
            last_error=Concat(Value(f"gave up after {max_attempts} tries; "), F("last_error")),
        )
    )
    if given_up:
        logger.warning("gave up %d outbox emails after %d tries", given_up, max_attempts)
    due = list(
        unsent()
        .filter(attempts__lt=max_attempts, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: BATCH_SIZE * SWEEP_MAX_BATCHES]
    )
    if not due:
        return []
    # Not handed out again by the next sweeps while its task waits in the queue.
    OutboxEmail.objects.filter(pk__in=due, next_attempt_at__lte=now).update(
        next_attempt_at=now + retry_after()
    )
    return due


# --- Sending one row ------------------------------------------------------------------------


def unsent() -> QuerySet[OutboxEmail]:
    """Rows neither sent nor given up."""
    return OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def _takeable(now: datetime) -> QuerySet[OutboxEmail]:
    """Unsent rows with tries left that no task took within the last retry_after."""
    return unsent().filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - retry_after()),
        attempts__lt=settings.COP_OUTBOX_MAX_ATTEMPTS,
    )


def _take(row: OutboxEmail) -> bool:
    """Claim this try of a row read when the batch began; False when it is not to be sent now
    (another task took it since, it was sent, withdrawn or given up)."""
    now = timezone.now()
    attempts = row.attempts + 1
    # Compare-and-set on `attempts`, on a row still takeable now: of two tasks holding the same
    # row, one only takes it. One statement, committed before the send, so a try cut short by a
    # kill still counts.
    taken = (
        _takeable(now)
        .filter(pk=row.pk, attempts=row.attempts)
        .update(attempts=attempts, last_attempt_at=now, next_attempt_at=now + backoff(attempts))
    )
    if not taken:
        return False
    row.attempts = attempts
    return True


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
    headers = {**row.headers, "Message-ID": f"<{digest}.{row.pk}@{domain}>"}
    return build_message(
        to=row.to, subject=row.subject, body=row.body, html_body=row.html_body, headers=headers
    )


def _mark_sent(row: OutboxEmail) -> None:
    sent_at = timezone.now()
    hook = _SENT_HOOKS.get(row.key.partition(":")[0])
    if hook is None:
        # Recorded even if the row was withdrawn meanwhile: the mail server has it, that is the
        # fact. One statement: most emails (digests, notifications) have no hook.
        OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            sent_at=sent_at, failed_at=None, last_error=""
        )
        return
    # The row and what its hook records commit together: a kill between the two would leave,
    # say, an invitation sent but not known as sent.
    with transaction.atomic():
        # Recorded even if the row was withdrawn meanwhile: the mail server has it, that is the
        # fact.
        marked = OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            sent_at=sent_at, failed_at=None, last_error=""
        )
        if not marked:
            return
        try:
            with transaction.atomic():
                hook(row.key, sent_at)
        except Exception:  # the email is out: bookkeeping elsewhere must not make it look unsent
            logger.exception("the sent hook of %s failed", row.key)


def _fail(row: OutboxEmail, error: Exception) -> _Outcome:
    logger.warning("the mail server refused %s for good: %s", row.key, error)
    unsent().filter(pk=row.pk).update(failed_at=timezone.now(), last_error=_describe(error))
    return _Outcome.FAILED


def _retry_later(row: OutboxEmail, error: Exception | str) -> _Outcome:
    changes: dict = {"last_error": _describe(error)}
    if row.attempts >= settings.COP_OUTBOX_MAX_ATTEMPTS:
        changes["failed_at"] = timezone.now()
        changes["last_error"] = f"gave up after {row.attempts} tries; {changes['last_error']}"
    unsent().filter(pk=row.pk).update(**changes)
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
