"""Infrastructure tasks: thin, taking ids, safe to run twice."""

import os
import socket

from celery import shared_task

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
    from core import outbox

    return outbox.send_batch(ids)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Periodic (beat): hand the unsent outbox emails that are due to tasks again."""
    from core import outbox

    return outbox.sweep()
