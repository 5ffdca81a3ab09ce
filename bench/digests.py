"""Benchmark of the member digests: 10,000 members' weekly digests, through one Celery worker and
in-process, sent to a real SMTP server on 127.0.0.1.

    .venv/bin/python bench/digests.py [--members 10000] [--concurrency 2] [--worker-only]

The worker run needs PostgreSQL (DATABASE_URL: point it at a scratch database) and Redis
(CELERY_BROKER_URL); without them only the in-process run is timed. Seeds the members straight
into the tables (20 communities, each with threads, replies, documents and a few newcomers),
then times, from the planner's tick to the last message accepted by the mail server:

- in-process: tasks run inline (eager), as in the embedded mode;
- one worker: `celery worker` with `--concurrency` processes (default 2, the target machine's
  cores), fed by the planner through the broker.

Prints both times and their ratio; the worker run is timed `--repeat` times (default 3) and its
median is held to its floor (30 s): exits 1 when it misses it.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKER_FLOOR_SECONDS = 30
COMMUNITIES = 20
THREADS_PER_COMMUNITY = 10
REPLIES_PER_THREAD = 2
DOCUMENTS_PER_COMMUNITY = 3
NEWCOMERS_PER_COMMUNITY = 5
DEADLINE_SECONDS = 600


class CountingSink:
    """aiosmtpd handler that counts what it accepts."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def _setup(data_dir: str) -> None:
    os.environ.setdefault("COP_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(count: int) -> None:
    from django.utils import timezone

    from accounts.models import User
    from communities.models import Membership
    from documents.models import Document
    from forums import services
    from tests.factories import CommunityFactory, UserFactory
    from tests.forums.factories import forum_in

    now = timezone.now()
    long_ago = now - timedelta(days=30)
    run = uuid.uuid4().hex[:6]
    communities = [
        CommunityFactory(slug=f"bench-digest-{run}-{n}", name=f"Bench community {n}")
        for n in range(COMMUNITIES)
    ]
    users = User.objects.bulk_create(
        (
            User(
                email=f"reader{n}-{run}@example.net",
                display_name=f"Reader {n}",
                password="!",
                language="fr" if n % 3 == 0 else "en",
                time_zone="UTC",
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        (
            Membership(
                community=communities[n % COMMUNITIES],
                user=user,
                # A few newcomers per community: the digests name them.
                joined_at=now if n // COMMUNITIES < NEWCOMERS_PER_COMMUNITY else long_ago,
            )
            for n, user in enumerate(users)
        ),
        batch_size=1000,
    )
    for n, community in enumerate(communities):
        author = UserFactory(email=f"author{n}-{run}@example.net")
        replier = UserFactory(email=f"replier{n}-{run}@example.net")
        for person in (author, replier):
            Membership.objects.create(community=community, user=person, joined_at=long_ago)
        forum = forum_in(community)
        for n in range(THREADS_PER_COMMUNITY):
            thread = services.start_thread(
                forum, actor=author, title=f"Lesson study {n}", body="What did we notice?"
            )
            for r in range(REPLIES_PER_THREAD):
                services.reply(thread, actor=replier, body=f"Observation {r}.")
        Document.objects.bulk_create(
            Document(
                community=community,
                title=f"Observation grid {n}",
                kind=Document.Kind.TEXT,
                content_type="text/plain",
                uploaded_by=author,
            )
            for n in range(DOCUMENTS_PER_COMMUNITY)
        )


def _monday_morning():
    from django.utils import timezone

    moment = timezone.now().astimezone(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    while moment <= timezone.now() or moment.weekday() != 0:
        moment += timedelta(days=1)
    return moment


def _reset() -> None:
    """Forget the digests sent, so the next run sends them all again."""
    from core.models import OutboxEmail
    from facilitation.models import DigestDelivery

    DigestDelivery.objects.all().delete()
    OutboxEmail.objects.filter(key__startswith="digest:").delete()


def _wait_until_sent(sink: CountingSink, members: int, *, started: float) -> float:
    from core.models import OutboxEmail
    from facilitation.models import DigestDelivery

    deadline = started + DEADLINE_SECONDS
    while True:
        claimed = DigestDelivery.objects.count()
        # `members`: every member the planner found due, authors included.
        if claimed >= members and not OutboxEmail.objects.filter(sent_at__isnull=True).exists():
            expected = DigestDelivery.objects.filter(empty=False).count()
            if sink.count >= expected:
                return time.perf_counter() - started
        if time.perf_counter() > deadline:
            raise SystemExit(f"not all digests were sent in {DEADLINE_SECONDS} s")
        # Polled five times a second: the poll's queries run on the cores it measures.
        time.sleep(0.2)


def _in_process(sink: CountingSink, now) -> float:
    from cop.celery import app
    from facilitation import tasks

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        started = time.perf_counter()
        due = tasks.plan_digests(now=now)
        return _wait_until_sent(sink, due, started=started)
    finally:
        app.conf.task_always_eager = saved


def _with_worker(sink: CountingSink, now, *, smtp_port: int, concurrency: int):
    from django.db import connection

    from cop.celery import app
    from facilitation import tasks

    db = connection.settings_dict
    prefix = f"praxis-bench-digests-{uuid.uuid4().hex[:8]}:"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        PRAXIS_BENCH_BROKER_PREFIX=prefix,
    )
    log_path = Path(os.environ["COP_DATA_DIR"]) / "bench-worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(concurrency)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    conf = app.conf
    saved = (conf.broker_transport_options, conf.task_always_eager)
    try:
        ready_by = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > ready_by:
                raise SystemExit(f"the worker did not start; see {log_path}")
            time.sleep(0.1)
        app._pool = None
        app.amqp._producer_pool = None
        conf.broker_transport_options = {**(saved[0] or {}), "global_keyprefix": prefix}
        conf.task_always_eager = False
        started = time.perf_counter()
        due = tasks.plan_digests(now=now)
        return _wait_until_sent(sink, due, started=started)
    finally:
        conf.broker_transport_options, conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        log.close()
        _print_task_times(log_path.read_text())
        import redis

        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def _print_task_times(log: str) -> None:
    """How many tasks of each name the worker ran, and their mean and total time (its log)."""
    import re
    from collections import defaultdict

    times: dict[str, list[float]] = defaultdict(list)
    for name, seconds in re.findall(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s", log):
        times[name].append(float(seconds))
    for name, values in sorted(times.items()):
        print(
            f"  {name}: {len(values)} tasks, mean {1000 * sum(values) / len(values):.0f} ms,"
            f" total {sum(values):.1f} s"
        )


def _analyze() -> None:
    """Statistics, vacuum and a checkpoint before a timed run, as a database in service would
    have them: the run neither plans on empty statistics nor shares the cores with autovacuum
    cleaning up after the seeding or the previous run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def _run_worker(concurrency: int) -> None:
    """The benchmark's own worker: every broker key under its prefix, so it takes only the
    benchmark's tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
    from cop.celery import app

    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "global_keyprefix": os.environ["PRAXIS_BENCH_BROKER_PREFIX"],
    }
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "-n",
            f"bench-digests-{uuid.uuid4().hex[:6]}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--worker-only", action="store_true", help="time only the run through the worker"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs through the worker")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _run_worker(args.worker)
        return 0
    import logging

    from aiosmtpd.controller import Controller

    # The SMTP server's log of each command would cost this process more than the sending.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as data_dir:
        sink = CountingSink()
        from tests.smtp import free_port

        smtp_port = free_port()
        os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        _setup(data_dir)
        from django.conf import settings
        from django.db import connection

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            seed_started = time.perf_counter()
            _seed(args.members)
            print(f"Seeded {args.members} members in {time.perf_counter() - seed_started:.1f} s")
            _analyze()
            now = _monday_morning()
            in_process = None if args.worker_only else _in_process(sink, now)
            sent_in_process = sink.count
            runs: list[float] = []
            broker = os.environ.get("CELERY_BROKER_URL", "")
            if connection.vendor == "postgresql" and broker.startswith("redis"):
                for _run in range(args.repeat):
                    _reset()
                    _analyze()
                    sink.count = 0
                    runs.append(
                        _with_worker(sink, now, smtp_port=smtp_port, concurrency=args.concurrency)
                    )
        finally:
            controller.stop()
    print(f"Digests for {args.members} members, planner to last email:")
    if in_process is not None:
        print(f"  {'in-process':<28} {in_process:6.1f} s  ({sent_in_process} emails)")
    if not runs:
        print("  one worker: skipped (needs DATABASE_URL on PostgreSQL and CELERY_BROKER_URL)")
        return 0
    # The median of the runs: one run on a shared 2-core machine varies by ±15 %.
    worker = statistics.median(runs)
    ok = worker <= WORKER_FLOOR_SECONDS
    label = f"one worker, {args.concurrency} processes"
    spread = " ".join(f"{run:.1f}" for run in runs)
    print(f"  {label:<28} {worker:6.1f} s  (median of {spread}; floor {WORKER_FLOOR_SECONDS} s)")
    if in_process is not None:
        print(f"  ratio worker / in-process   {worker / in_process:6.2f}×")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
