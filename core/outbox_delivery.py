"""Delivering the outbox (core/outbox.py): sending rows over one connection to the mail server,
and choosing the rows the sweeper hands out again.

`send_batch` is what core.tasks.send_outbox_batch runs: it opens one connection, takes the batch's
rows in one statement (a compare-and-set on their attempts, so two tasks never send the same row
at once), then sends each and marks it sent once the server accepted it. A refused address fails
its own row only; a lost connection ends the batch and gives the rows not tried back, unsent.
`claim_due` is what core.tasks.sweep_outbox asks before it hands the rows to tasks again.

Nothing here asks for a task: this module sits below core.tasks, which imports it in its bodies.
"""

import hashlib
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import parseaddr
from enum import Enum
from functools import cache
from time import monotonic

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
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
    # The batch's rows, read once, then taken together once the mail server answers.
    rows = {row.pk: row for row in _takeable(timezone.now(), ids)}
    if not rows:
        return 0
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT_SECONDS)
    try:
        connection.open()
    except Exception as error:  # whatever the backend raises, the rows wait for the sweeper
        logger.warning("could not connect to the mail server: %s", error)
        # Not counted as a try: the mail server being away is no fault of these emails.
        _takeable(timezone.now(), ids).update(last_error=_describe(error))
        return 0
    sent = 0
    try:
        with _commits_without_flush():
            taken = _take_all(rows)
            held_since = monotonic()
            order = [pk for pk in ids if pk in taken]
            for position, pk in enumerate(order):
                if monotonic() - held_since > retry_after().total_seconds() / 2:
                    # A slow server: what is not sent yet goes back before the sweeper could
                    # hand it to another task while this one still holds it.
                    logger.warning(
                        "outbox batch too slow; %d rows left for the sweeper", len(order) - position
                    )
                    _release([taken[rest] for rest in order[position:]])
                    break
                outcome = _send_row(connection, taken[pk])
                if outcome is _Outcome.SENT:
                    sent += 1
                elif outcome is _Outcome.STOP:
                    _release([taken[rest] for rest in order[position + 1 :]])
                    break
    finally:
        _close(connection)
    return sent


@contextmanager
def _commits_without_flush():
    """On PostgreSQL, the batch's bookkeeping (each row taken, then marked sent) commits without
    waiting for the write-ahead log to reach the disk (synchronous_commit off, for this session
    only, while the batch runs).

    Two commits an email, each waiting for a disk flush, were most of the time a digest spent in
    the outbox. What this risks is bounded and only ever a duplicate: a killed worker loses
    nothing (its commits are in PostgreSQL already); a crash of PostgreSQL itself may forget the
    last moments of marks (at most three times wal_writer_delay), so those rows are sent again.
    The rows themselves, written with the change that caused them, are committed as usual.
    """
    if db_connection.vendor != "postgresql" or not db_connection.get_autocommit():
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except Exception:  # a broken connection is closed and replaced; nothing to reset
            logger.warning("could not reset synchronous_commit", exc_info=True)


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


def _unsent_by_key(pks: list[int]) -> QuerySet[OutboxEmail]:
    """These rows, those neither sent nor given up, found by their primary key.

    "Neither sent nor given up" is written as one COALESCE here, not as the two IS NULL tests of
    `unsent()`: the planner cannot then match the query with the partial index outbox_unsent_due
    and looks the rows up by their key. Otherwise, with statistics taken while the table held few
    unsent rows (a burst of 10,000 digests, before autovacuum analyses it again), it may choose
    that index and walk every unsent row to find each one.
    """
    return OutboxEmail.objects.alias(done_at=Coalesce("sent_at", "failed_at")).filter(
        pk__in=pks, done_at__isnull=True
    )


def _takeable(now: datetime, pks: list[int]) -> QuerySet[OutboxEmail]:
    """Of these rows, the unsent ones with tries left that no task took within the last
    retry_after."""
    return _unsent_by_key(pks).filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - retry_after()),
        attempts__lt=settings.COP_OUTBOX_MAX_ATTEMPTS,
    )


def _take_all(rows: dict[int, OutboxEmail]) -> dict[int, OutboxEmail]:
    """Claim this try of the batch's rows, read when it began, in one statement (one for each
    number of past tries among them: almost always one); returns those taken, by id.

    A compare-and-set on `attempts`, on rows still takeable now: of two tasks holding the same
    row, one only takes it (the sweeper hands out again only rows whose last try is older than
    retry_after). Committed before any send, so a try cut short by a kill still counts. A row
    taken but not tried (a lost connection, a slow server) is given back by `_release`; one left
    taken by a killed worker is sent by the sweeper once retry_after has passed.
    """
    now = timezone.now()
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row in rows.values():
        by_attempts[row.attempts].append(row.pk)
    for attempts, pks in by_attempts.items():
        _takeable(now, pks).filter(attempts=attempts).update(
            attempts=attempts + 1, last_attempt_at=now, next_attempt_at=now + backoff(attempts + 1)
        )
    # This try's mark, `now`, tells the rows this task took from those it did not.
    taken_pks = OutboxEmail.objects.filter(pk__in=list(rows), last_attempt_at=now).values_list(
        "pk", flat=True
    )
    taken = {}
    for pk in taken_pks:
        row = rows[pk]
        row.before_take = (row.attempts, row.last_attempt_at, row.next_attempt_at)
        row.attempts += 1
        row.last_attempt_at = now
        taken[pk] = row
    return taken


def _release(rows: list[OutboxEmail]) -> None:
    """Give back rows taken for this try but not tried: as they were before, for the sweeper
    (a row rarely needs this: only when a batch ends early)."""
    for row in rows:
        attempts, last_attempt_at, next_attempt_at = row.before_take
        _unsent_by_key([row.pk]).filter(
            attempts=row.attempts, last_attempt_at=row.last_attempt_at
        ).update(
            attempts=attempts, last_attempt_at=last_attempt_at, next_attempt_at=next_attempt_at
        )


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
        # One statement: most emails (digests, notifications) have no hook.
        _record_sent(row.pk, sent_at)
        return
    # The row and what its hook records commit together: a kill between the two would leave,
    # say, an invitation sent but not known as sent.
    with transaction.atomic():
        if not _record_sent(row.pk, sent_at):
            return
        try:
            with transaction.atomic():
                hook(row.key, sent_at)
        except Exception:  # the email is out: bookkeeping elsewhere must not make it look unsent
            logger.exception("the sent hook of %s failed", row.key)


def _record_sent(pk: int, sent_at: datetime) -> bool:
    """Mark the row sent, even if it was withdrawn meanwhile: the mail server has it, that is
    the fact. False when it was marked already.

    Written once as SQL: this statement runs once an email, and building it through the ORM
    each time cost as much as running it.
    """
    with db_connection.cursor() as cursor:
        cursor.execute(_mark_sent_sql(), [db_connection.ops.adapt_datetimefield_value(sent_at), pk])
        return cursor.rowcount > 0


@cache
def _mark_sent_sql() -> str:
    meta, quote = OutboxEmail._meta, db_connection.ops.quote_name
    sent_at, failed_at, last_error = (
        quote(meta.get_field(name).column) for name in ("sent_at", "failed_at", "last_error")
    )
    # Names from the model, values as parameters.
    return (
        f"UPDATE {quote(meta.db_table)} SET {sent_at} = %s, {failed_at} = NULL, "  # noqa: S608
        f"{last_error} = '' WHERE {quote(meta.pk.column)} = %s AND {sent_at} IS NULL"
    )


def _fail(row: OutboxEmail, error: Exception) -> _Outcome:
    logger.warning("the mail server refused %s for good: %s", row.key, error)
    _unsent_by_key([row.pk]).update(failed_at=timezone.now(), last_error=_describe(error))
    return _Outcome.FAILED


def _retry_later(row: OutboxEmail, error: Exception | str) -> _Outcome:
    changes: dict = {"last_error": _describe(error)}
    if row.attempts >= settings.COP_OUTBOX_MAX_ATTEMPTS:
        changes["failed_at"] = timezone.now()
        changes["last_error"] = f"gave up after {row.attempts} tries; {changes['last_error']}"
    _unsent_by_key([row.pk]).update(**changes)
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
