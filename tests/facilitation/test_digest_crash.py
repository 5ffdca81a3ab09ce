"""Workers killed during a digest run: every member still gets exactly one digest for the period,
and the mail server receives at most one extra message per kill (issue 15, "Crash test").

Modeled on tests/core/test_outbox_crash.py, whose worker and helpers it uses: a real Celery
worker on Redis, a real SMTP server (aiosmtpd) a little slow per message, so the run is still
under way when the test kills the worker's pool child, then its main process. A new worker, the
planner's next ticks and the outbox sweeper finish the work.
"""

import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from communities.models import Membership
from core.models import OutboxEmail
from core.tasks import sweep_outbox
from facilitation import digests, tasks
from facilitation.models import DigestDelivery
from tests.conftest import require
from tests.core.conftest import celery_broker
from tests.core.test_outbox_crash import (
    RecordingHandler,
    Worker,
    _forget_broker_keys,
    _redis_answers,
    _wait_for,
    _worker_env,
)
from tests.factories import CommunityFactory, UserFactory
from tests.forums.factories import forum_in, start_thread
from tests.smtp import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MEMBERS = 1000
# Each message takes the server this long: 1,000 take 5 s or more, time enough to kill mid-run.
SMTP_DELAY_SECONDS = 0.005
DEADLINE_SECONDS = 240
# What beat does every 15 minutes (the planner) and every minute (the sweeper), here faster.
PLAN_EVERY_SECONDS = 3


def _seed_members(count: int):
    """`count` members of one community with something new to read, inserted in bulk."""
    community = CommunityFactory()
    author = UserFactory()
    Membership.objects.create(
        community=community, user=author, joined_at=timezone.now() - timedelta(days=30)
    )
    users = User.objects.bulk_create(
        User(email=f"digest{n}@example.net", display_name=f"Reader {n}", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(community=community, user=user, joined_at=timezone.now() - timedelta(days=30))
        for user in users
    )
    start_thread(forum_in(community), author, title="What we learned this week")
    return [user.email for user in users]


def _monday_morning() -> datetime:
    """The next Monday, 08:00 UTC: the weekly digests of UTC members are due, and the thread
    just started is in their window."""
    moment = timezone.now().astimezone(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    while moment <= timezone.now() or moment.weekday() != 0:
        moment += timedelta(days=1)
    return moment


def test_digest_crash_killed_workers_send_each_digest_once(settings, tmp_path):
    from aiosmtpd.controller import Controller

    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    require(
        broker_url.startswith("redis://") and _redis_answers(broker_url),
        "Redis as the Celery broker (CELERY_BROKER_URL)",
    )
    settings.COP_OUTBOX_RETRY_AFTER_SECONDS = 2
    handler = RecordingHandler(SMTP_DELAY_SECONDS)
    smtp_port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    prefix = f"praxis-digest-crash-{uuid.uuid4().hex[:8]}:"
    env = _worker_env(tmp_path, smtp_port, prefix)
    addresses = _seed_members(MEMBERS)
    now = _monday_morning()
    period = digests.period_key("weekly", now.date())
    workers: list[Worker] = []
    kills = 0
    started = time.monotonic()
    try:
        with celery_broker(broker_url, global_keyprefix=prefix):
            workers.append(Worker(env, tmp_path / "worker-1.log"))
            # The beat's tick: twenty batches of 50 members go to the worker.
            assert tasks.plan_digests(now=now) >= MEMBERS

            _wait_for(lambda: handler.count() >= 100, "the first digests", timeout=120)
            workers[0].kill_child()
            kills += 1
            after_child_kill = handler.count()
            _wait_for(lambda: handler.count() >= after_child_kill + 200, "sending to go on")
            workers[0].kill()
            kills += 1
            after_main_kill = handler.count()
            assert after_main_kill < MEMBERS, "all was sent before the main process was killed"

            workers.append(Worker(env, tmp_path / "worker-2.log"))
            deadline = time.monotonic() + DEADLINE_SECONDS
            last_plan = 0.0

            def finished() -> bool:
                claimed = DigestDelivery.objects.filter(period=period).count()
                unsent = OutboxEmail.objects.filter(sent_at__isnull=True).exists()
                return claimed >= MEMBERS + 1 and not unsent  # the author has one too

            while not finished():
                assert time.monotonic() < deadline, "the digests were not all sent in time"
                if time.monotonic() - last_plan > PLAN_EVERY_SECONDS:
                    # The batches the killed main process held come back only after Redis's
                    # visibility timeout: the planner's next tick hands their members out again.
                    tasks.plan_digests(now=now)
                    last_plan = time.monotonic()
                sweep_outbox()
                time.sleep(0.5)
            # Whatever the killed tasks still had in hand has arrived too.
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.stop()
        smtp.stop()
        _forget_broker_keys(broker_url, prefix)
    duration = time.monotonic() - started

    received = Counter(handler.received)
    duplicates = sum(received.values()) - len(received)
    print(  # noqa: T201
        f"digest crash test: {kills} kills (child at {after_child_kill}, main at "
        f"{after_main_kill} received), {duplicates} duplicates, {duration:.1f} s"
    )
    per_member = Counter(
        DigestDelivery.objects.filter(user__email__in=addresses).values_list("user_id", flat=True)
    )
    assert len(per_member) == MEMBERS and set(per_member.values()) == {1}
    assert not DigestDelivery.objects.filter(user__email__in=addresses, empty=True).exists()
    assert set(addresses) <= set(received)
    assert duplicates <= kills
    assert OutboxEmail.objects.filter(failed_at__isnull=False).count() == 0
