"""Checks of the services Praxis depends on, for /healthz."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str:
    """'ok' when the database answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    """'ok' when a value written to the cache reads back."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value written")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    """'ok' when the Celery broker accepts a connection; 'eager' when tasks run inline."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def service_states() -> tuple[bool, dict[str, str]]:
    """Run every check; (all healthy, {service: state})."""
    states: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            states[name] = check()
        except Exception:  # a health check reports every failure, whatever its kind
            logger.exception("health check %s failed", name)
            states[name] = "error"
            healthy = False
    return healthy, states
