"""Infrastructure tasks: thin, taking ids, safe to run twice.

The outbox (core/outbox.py) imports this module to ask for sends; the tasks import only
core.outbox_delivery, in their bodies, which imports neither.
"""

import os
import socket
from datetime import datetime

from celery import shared_task

from core.background import delay_in_batches

# An outbox batch is cut here (the child process is killed; the sweeper sends what is left): it
# must stay below the broker's visibility timeout (COP_CELERY_VISIBILITY_TIMEOUT), or Redis would
# hand a batch still running to a second worker.
OUTBOX_BATCH_TIME_LIMIT = 300


@shared_task
def ping() -> dict:
    """Answer with the worker's host and process, proving a round trip through the broker."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


# No result is kept: nobody waits for one, and asking for it would make the web request that
# queues the email wait on the result backend too when Redis is down.
@shared_task(ignore_result=True, time_limit=OUTBOX_BATCH_TIME_LIMIT)
def send_outbox_batch(ids: list[int]) -> int:
    """Send up to 50 outbox emails over one connection to the mail server."""
    from core import outbox_delivery

    return outbox_delivery.send_batch(ids)


@shared_task(ignore_result=True)
def sweep_outbox(now: datetime | None = None) -> int:
    """Periodic (beat): hand the unsent outbox emails that are due to tasks again, 50 a task,
    and give up those out of tries; returns how many were handed out."""
    from core import outbox_delivery

    due = outbox_delivery.claim_due(now=now)
    delay_in_batches(send_outbox_batch, due, size=outbox_delivery.BATCH_SIZE)
    return len(due)
