"""Workers killed mid-batch lose no email and send few twice (DESIGN.md, "The outbox").

A real SMTP server (aiosmtpd) records what it receives, a little slowly, so a batch is still
under way when the test kills its worker: first the prefork pool's child, then the worker's main
process. A new worker and the sweeper finish the work.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from communities import services
from communities.models import Invitation
from core.models import OutboxEmail
from core.tasks import sweep_outbox
from tests.conftest import require
from tests.core.conftest import celery_broker
from tests.factories import CommunityFactory, UserFactory
from tests.smtp import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
INVITATIONS = 200
# Each message takes the server this long: 200 take 4 s or more, time enough to kill mid-batch.
SMTP_DELAY_SECONDS = 0.02
RETRY_AFTER_SECONDS = 2
DEADLINE_SECONDS = 120


class RecordingHandler:
    """aiosmtpd handler keeping each message's recipients, after a short delay per message."""

    def __init__(self, delay: float):
        self.delay = delay
        self.received: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (second field) may hold spaces; the fields after its ")" do not.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.005)


class Worker:
    """Our own Celery worker process (prefork, one child), in a process group of its own."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.core.outbox_worker", f"crash-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for(self._ready, f"the worker to start (log: {log_path})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the worker exited with {self.process.returncode}; see {self.log_path}")
        return " ready." in self.log_path.read_text() and bool(_children(self.process.pid))

    def kill_child(self) -> None:
        (child,) = _children(self.process.pid)
        os.kill(child, signal.SIGKILL)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """End the whole process group: the main process and any child it left."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


def _worker_env(tmp_path: Path, smtp_port: int, prefix: str) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        COP_DATA_DIR=str(tmp_path / "worker-data"),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        COP_OUTBOX_RETRY_AFTER_SECONDS=str(RETRY_AFTER_SECONDS),
        PRAXIS_TEST_BROKER_PREFIX=prefix,
    )
    return env


def _forget_broker_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_outbox_crash_killed_workers_lose_no_email_and_send_few_twice(settings, tmp_path):
    from aiosmtpd.controller import Controller

    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    require(
        broker_url.startswith("redis://") and _redis_answers(broker_url),
        "Redis as the Celery broker (CELERY_BROKER_URL)",
    )
    settings.COP_OUTBOX_RETRY_AFTER_SECONDS = RETRY_AFTER_SECONDS
    handler = RecordingHandler(SMTP_DELAY_SECONDS)
    smtp_port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    prefix = f"praxis-outbox-crash-{uuid.uuid4().hex[:8]}:"
    env = _worker_env(tmp_path, smtp_port, prefix)
    addresses = [f"person{n}@example.net" for n in range(INVITATIONS)]
    workers: list[Worker] = []
    kills = 0
    started = time.monotonic()
    try:
        with celery_broker(broker_url, global_keyprefix=prefix):
            workers.append(Worker(env, tmp_path / "worker-1.log"))
            community = CommunityFactory()
            inviter = UserFactory()
            # Committed at once (transaction=True): four tasks of 50 are published after it.
            services.invite_by_email(community, actor=inviter, emails=addresses)

            _wait_for(lambda: handler.count() >= 30, "the first emails")
            workers[0].kill_child()
            kills += 1
            after_child_kill = handler.count()
            # The task the child held is handed to a new child, which goes on with its batch.
            _wait_for(lambda: handler.count() >= after_child_kill + 60, "sending to go on")
            workers[0].kill()
            kills += 1
            after_main_kill = handler.count()
            assert after_main_kill < INVITATIONS, "all was sent before the main process was killed"

            workers.append(Worker(env, tmp_path / "worker-2.log"))
            deadline = time.monotonic() + DEADLINE_SECONDS
            while OutboxEmail.objects.filter(sent_at__isnull=True).exists():
                assert time.monotonic() < deadline, "the outbox was not emptied in time"
                # What beat does every minute, here every half second.
                sweep_outbox()
                time.sleep(0.5)
            # Whatever the killed tasks still had in hand has arrived too.
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()
        smtp.stop()
        _forget_broker_keys(broker_url, prefix)
    duration = time.monotonic() - started

    received = Counter(handler.received)
    duplicates = sum(received.values()) - len(received)
    print(  # noqa: T201
        f"crash test: {kills} kills (child at {after_child_kill}, main at {after_main_kill} "
        f"received), {duplicates} duplicates, {duration:.1f} s"
    )
    assert set(received) == set(addresses)
    assert duplicates <= kills
    assert not OutboxEmail.objects.filter(sent_at__isnull=True).exists()
    assert OutboxEmail.objects.filter(failed_at__isnull=False).count() == 0
    assert not Invitation.objects.filter(community=community, last_sent_at__isnull=True).exists()
