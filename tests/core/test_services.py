"""The suite runs against the real services when they are configured (CI), inline otherwise."""

import os

import pytest
from django.conf import settings
from django.db import connection

from core.tasks import ping
from tests.conftest import STRICT, require

pytestmark = pytest.mark.django_db


def test_services_strict_run_uses_postgresql_and_a_real_broker():
    require(not STRICT or connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require(
        not STRICT or not settings.CELERY_TASK_ALWAYS_EAGER, "a Celery broker (CELERY_BROKER_URL)"
    )
    require(not STRICT or settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), "Redis")


def test_services_task_round_trip_through_a_worker(celery_worker):
    result = ping.delay()
    answer = result.get(timeout=30)

    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert answer["pid"] == os.getpid()
    else:
        # Answered by the worker process, not run inline by this one.
        assert celery_worker is not None
        assert answer["pid"] == celery_worker.pid
        assert answer["pid"] != os.getpid()


def test_services_healthz_reports_the_real_broker(client):
    require(not settings.CELERY_TASK_ALWAYS_EAGER, "a Celery broker (CELERY_BROKER_URL)")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
