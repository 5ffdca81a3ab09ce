"""A Celery worker for the outbox crash test (tests/core/test_outbox_crash.py).

`python -m tests.core.outbox_worker NAME`: the worker of the settings, prefork with one child,
with every broker key under the prefix in PRAXIS_TEST_BROKER_PREFIX, so it serves that test's
tasks only and no other worker on the same Redis (the suite's own) takes them.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")

from cop.celery import app  # noqa: E402

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "global_keyprefix": os.environ["PRAXIS_TEST_BROKER_PREFIX"],
}
app.worker_main(
    [
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "-n",
        sys.argv[1],
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
)
