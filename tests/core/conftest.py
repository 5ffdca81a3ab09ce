"""Fixtures of the core tests (the shared ones live in tests/conftest.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.core.mail_backends import RecordingBackend


@pytest.fixture
def recording_backend(settings) -> Iterator[type[RecordingBackend]]:
    """Every email goes to RecordingBackend, which starts empty."""
    settings.EMAIL_BACKEND = "tests.core.mail_backends.RecordingBackend"
    RecordingBackend.reset()
    yield RecordingBackend
    RecordingBackend.reset()


def _drop_broker_connections(app) -> None:
    # The app keeps a pool of broker connections and one of producers, made from the broker
    # settings when first used: forgotten, they are looked up again for the settings of the
    # moment. Not closed: kombu keeps them, per broker, for the whole process.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str, **transport_options) -> Iterator[None]:
    """Tasks published in this block go to the broker at `url` (none run inline)."""
    from cop.celery import app

    conf = app.conf
    saved = (conf.get("broker_write_url"), conf.broker_transport_options, conf.task_always_eager)
    _drop_broker_connections(app)
    # The write URL, which publishing uses: `broker_url` itself yields to the CELERY_BROKER_URL
    # variable of the environment.
    conf.broker_write_url = url
    conf.broker_transport_options = {**(saved[1] or {}), **transport_options}
    conf.task_always_eager = False
    try:
        yield
    finally:
        _drop_broker_connections(app)
        conf.broker_write_url, conf.broker_transport_options, conf.task_always_eager = saved
