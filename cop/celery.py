"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")

app = Celery("cop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Between tasks a worker treats its database connection as the web processes do between
# requests: kept for CONN_MAX_AGE seconds, checked (CONN_HEALTH_CHECKS) and replaced when broken.
# Celery's own Django fixup would otherwise close it around every task, so each batch of 50 paid
# for a new PostgreSQL connection; told to reuse (CELERY_DB_REUSE_MAX, cop/settings.py), it
# closes them only every so many tasks, and these handlers do the checking.
@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # inline: the caller's connection, maybe mid-transaction, is not ours to close
    from django.db import close_old_connections

    close_old_connections()
