"""Handing work to Celery: after the commit, and never at the caller's expense.

A task asked for before the commit could run before its rows exist; one asked for after it could
fail because the broker is down or hung, and that must not turn a stored upload into a 500. What
could not be handed over is found again by the periodic sweep of the app that owns the work
(documents.tasks.process_pending, core.tasks.sweep_outbox).

These helpers take the task as an argument: they import no task module, so services and the
sweeps in tasks modules both use them without importing each other.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def delay_on_commit(task, *args) -> None:
    """Ask for `task(*args)` once the current transaction commits; a failure to reach the broker
    is logged and left to the owning app's sweep."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # broker down or hung, or an inline task that failed
            logger.warning("could not hand %s%r to a worker; its sweep will", task.name, args,
                           exc_info=True)  # fmt: skip

    transaction.on_commit(send)


def delay_in_batches(task, ids: list[int], *, size: int) -> bool:
    """Ask for `task(batch)` for each `size` ids, now; False when the broker could not take them
    all (what it did not take is left to the owning app's sweep)."""
    for start in range(0, len(ids), size):
        try:
            task.delay(ids[start : start + size])
        except Exception:  # broker down or hung, or an inline task that failed: never the caller's
            logger.warning(
                "could not hand %d ids to %s; its sweep will",
                len(ids) - start,
                task.name,
                exc_info=True,
            )
            # The next publish would most likely wait as long again: the sweep has them all.
            return False
    return True
