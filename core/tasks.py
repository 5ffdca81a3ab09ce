"""Infrastructure tasks."""

import os
import socket

from celery import shared_task


@shared_task
def ping() -> dict:
    """Answer with the worker's host and process, proving a round trip through the broker."""
    return {"host": socket.gethostname(), "pid": os.getpid()}
