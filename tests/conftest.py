"""Shared fixtures.

Tests that need something outside Python (PostgreSQL, Redis, a Celery worker, Chromium, the
compose binary) call `require(...)`: on a laptop a missing service skips the test with a reason;
with COP_STRICT_TESTS=1 (CI) it fails, and any skip at all is turned into a failure.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STRICT = os.environ.get("COP_STRICT_TESTS") == "1"
TEST_PASSWORD = "a-Long-test-passphrase-42"


def require(available: bool, what: str) -> None:
    """Skip (laptop) or fail (CI, strict) when something a test needs is not there."""
    if available:
        return
    if STRICT:
        pytest.fail(f"{what} is required under COP_STRICT_TESTS=1", pytrace=False)
    pytest.skip(f"{what} is not available here")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped under COP_STRICT_TESTS=1, which allows no skip: {report.longrepr}"
        )


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test starts with an empty cache (rate limits live there) and its own media folder."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is what slows account tests; its strength is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


# --- Celery ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the configured broker, pointed at the test database.

    With no broker configured tasks run inline (eager) and no worker is started.
    """
    from django.conf import settings
    from django.db import connection

    from cop.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    db = connection.settings_dict
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "praxis-test-worker.log"), "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "--app=cop",
            "worker",
            "--pool=solo",
            "-n",
            name,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the Celery worker exited with {process.returncode}; see {log.name}")
            if app.control.ping(timeout=1.0):
                break
        else:
            pytest.fail(f"the Celery worker did not answer within 60 s; see {log.name}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# --- Browser --------------------------------------------------------------------------------

CHROMIUM = os.environ.get("COP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    require(bool(shutil.which(CHROMIUM)) or os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) speaking English, with a phone-friendly viewport."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
    tab.console_errors = errors
    yield tab
    context.close()
