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

# Fixtures: a real SMTP server that keeps what it receives; the replies-by-email receiver.
from tests.smtp import mail_receiver, smtp_sink  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STRICT = os.environ.get("COP_STRICT_TESTS") == "1"
TEST_PASSWORD = "a-Long-test-passphrase-42"

# --- One process of several (pytest-xdist) ----------------------------------------------------
# `make test` runs the suite in two processes (gw0, gw1). pytest-django gives each its own test
# database (test_praxis_gw0, …); each also needs Redis databases of its own: every test empties
# the cache (FLUSHDB), and the Celery worker a process starts must take only that process's
# tasks, the ones whose rows are in its test database. Live servers and gunicorn take free ports,
# and temporary folders are already per process (tmp_path_factory).

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "" when the suite runs in one process


def _redis_databases_of_this_worker() -> None:
    """Move REDIS_URL, CELERY_BROKER_URL and CELERY_RESULT_BACKEND of process gwN to Redis
    databases N × span further (span: how many the configured URLs cover), e.g. 0/1 for gw0 and
    2/3 for gw1. Django's settings were read before this file (pytest-django loads them first),
    so they are changed here too; the environment carries it to the worker and subprocesses."""
    import re

    if not XDIST_WORKER:
        return
    names = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    redis_url = re.compile(r"^(rediss?://[^/?#]*)(?:/(\d*))?(.*)$")
    urls = {name: match for name in names if (match := redis_url.match(os.environ.get(name, "")))}
    if not urls:
        return
    numbers = [int(match.group(2) or 0) for match in urls.values()]
    shift = int(XDIST_WORKER.removeprefix("gw")) * (max(numbers) - min(numbers) + 1)
    moved = {}
    for name, match in urls.items():
        number = int(match.group(2) or 0) + shift
        if number > 15:
            raise pytest.UsageError(
                f"{name} of xdist worker {XDIST_WORKER} would be Redis database {number} (of "
                "0-15): use lower database numbers or fewer processes (-n)."
            )
        moved[match.group(0)] = f"{match.group(1)}/{number}{match.group(3)}"
        os.environ[name] = moved[match.group(0)]

    from django.conf import settings

    cache = settings.CACHES["default"]
    if isinstance(cache.get("LOCATION"), str) and cache["LOCATION"] in moved:
        cache["LOCATION"] = moved[cache["LOCATION"]]
    for setting in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        value = getattr(settings, setting, None)
        if isinstance(value, str) and value in moved:
            setattr(settings, setting, moved[value])
    from cop.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.result_backend = settings.CELERY_RESULT_BACKEND


_redis_databases_of_this_worker()


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
    """Each test starts with an empty cache (rate limits live there), its own media folder and
    the default language."""
    from django.core.cache import cache
    from django.utils import translation

    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is what slows account tests; its strength is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client builds the middleware anew, and WhiteNoise would index every static
    # file each time (about 40 ms, a fifth of the suite): it looks each one up when asked.
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()
    yield
    # A request in French leaves French active in the thread (LocaleMiddleware activates it and
    # nothing deactivates it in tests): the next test would read French where it expects the
    # default language.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


# --- Celery ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _inline_tasks_unless_a_worker_is_asked_for(request):
    """Tasks run inline in tests (so their email lands in mail.outbox), except in tests that ask
    for the real `celery_worker`."""
    from celery._state import _set_task_join_will_block

    from cop.celery import app

    # Celery guards each inline task with a process-wide "joining would block" flag, set and
    # restored around the call. Two inline tasks at once in the live server's threads (two
    # uploads in a browser journey) restore it out of order and leave it set, and a later
    # result.get() would then refuse to wait. The test process is never a worker: clear it.
    _set_task_join_will_block(False)
    if "celery_worker" in request.fixturenames:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process on the configured broker, pointed at the test database.

    The worker keeps its files under its own data folder (`worker.data_dir`): emails it sends
    land as files in `worker.data_dir / "mail"`. With no broker configured tasks run inline
    (eager) and no worker is started.
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
    data_dir = tmp_path_factory.mktemp("worker-data")
    env["COP_DATA_DIR"] = str(data_dir)
    env.pop("EMAIL_URL", None)
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log_name = f"praxis-test-worker{'-' + XDIST_WORKER if XDIST_WORKER else ''}.log"
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), log_name), "w")  # noqa: SIM115
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
        process.data_dir = data_dir
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


# --- Communities and the principals of the permission matrix ---------------------------------


class Cast:
    """Two communities (public/open and private/request) where the same people hold the same
    roles, a third community with its own member, an outsider and a staff member."""

    def __init__(self):
        from communities.models import Community, Membership
        from tests.factories import CommunityFactory, MembershipFactory, UserFactory

        self.public = CommunityFactory(slug="open-practice", name="Open Practice")
        self.private = CommunityFactory(
            slug="closed-circle",
            name="Closed Circle",
            visibility=Community.Visibility.PRIVATE,
            join_policy=Community.JoinPolicy.REQUEST,
        )
        self.other = CommunityFactory(slug="elsewhere", name="Elsewhere")
        self.organizer = UserFactory(display_name="Olga Organizer")
        self.facilitator = UserFactory(display_name="Fatou Facilitator")
        self.member = UserFactory(display_name="Mateo Member")
        self.other_member = UserFactory(display_name="Otto Othermember")
        self.outsider = UserFactory(display_name="Ona Outsider")
        self.staff = UserFactory(display_name="Sam Staff", is_staff=True)
        for community in (self.public, self.private):
            MembershipFactory(
                community=community, user=self.organizer, role=Membership.Role.ORGANIZER
            )
            MembershipFactory(
                community=community, user=self.facilitator, role=Membership.Role.FACILITATOR
            )
            MembershipFactory(community=community, user=self.member, role=Membership.Role.MEMBER)
        MembershipFactory(
            community=self.other, user=self.other_member, role=Membership.Role.ORGANIZER
        )

    def person(self, principal: str):
        return None if principal == "anonymous" else getattr(self, principal)

    COMMUNITIES = ("public", "private", "other")
    PEOPLE = ("organizer", "facilitator", "member", "other_member", "outsider", "staff")

    def fresh(self) -> "Cast":
        """The same cast, read again from the database (two queries): what a test changes on
        its objects in memory never reaches the next test."""
        from accounts.models import User
        from communities.models import Community

        copy = object.__new__(Cast)
        communities = Community.objects.in_bulk([getattr(self, n).pk for n in self.COMMUNITIES])
        people = User.objects.in_bulk([getattr(self, n).pk for n in self.PEOPLE])
        for name in self.COMMUNITIES:
            setattr(copy, name, communities[getattr(self, name).pk])
        for name in self.PEOPLE:
            setattr(copy, name, people[getattr(self, name).pk])
        return copy


PRINCIPALS = [
    "anonymous",
    "outsider",
    "member",
    "facilitator",
    "organizer",
    "other_member",
    "staff",
]


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker):
    """One cast for a whole module, built once inside a transaction rolled back at its end, as
    Django's setUpTestData does: each test's own transaction (a savepoint inside this one) undoes
    what the test wrote. For modules of many small tests (the permission matrix) that would
    otherwise build the cast thousands of times. Tests get it with `cast` overridden as
    `shared_cast` below; transactional tests cannot use it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        built = Cast()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def shared_cast(module_cast, db):
    """The module's cast, read again for this test."""
    return module_cast.fresh()


def _client_for(cast, principal):
    from django.test import Client

    client = Client()
    person = cast.person(principal)
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def client_for(cast):
    """client_for("facilitator") → a test client logged in as that principal of the cast."""
    return lambda principal: _client_for(cast, principal)


@pytest.fixture
def anon_client(cast):
    return _client_for(cast, "anonymous")


@pytest.fixture
def outsider_client(cast):
    return _client_for(cast, "outsider")


@pytest.fixture
def member_client(cast):
    return _client_for(cast, "member")


@pytest.fixture
def facilitator_client(cast):
    return _client_for(cast, "facilitator")


@pytest.fixture
def organizer_client(cast):
    return _client_for(cast, "organizer")


@pytest.fixture
def staff_client(cast):
    return _client_for(cast, "staff")
