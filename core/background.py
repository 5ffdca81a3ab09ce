"""Handing work to Celery from a request: after the commit, and never at the request's expense.

A task asked for before the commit could run before its rows exist; one asked for after it could
fail because the broker is down or hung, and that must not turn a stored upload into a 500. What
could not be handed over is found again by the periodic sweep of the app that owns the work
(documents.tasks.process_pending, core.tasks.sweep_outbox).
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
