"""The embedded mode (SQLite) under a few members writing at once: no "database is locked"."""

import subprocess
import sys
import threading

from tests.serving.server import (
    ROOT,
    browser,
    free_port,
    get,
    gunicorn,
    log_in,
    manage,
    post_form,
    server_env,
    stop,
)

WRITERS = 8
PASSWORD = "a-Long-test-passphrase-42"
CAST = f"""
from communities.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import forum_in, start_thread
community = CommunityFactory(slug="busy-room", name="Busy room")
author = UserFactory(email="author@example.org", password="{PASSWORD}")
MembershipFactory(community=community, user=author, role=Membership.Role.ORGANIZER)
thread = start_thread(forum_in(community), author, title="Everyone answers at once")
for number in range({WRITERS}):
    person = UserFactory(email=f"writer{{number}}@example.org", password="{PASSWORD}")
    MembershipFactory(community=community, user=person, role=Membership.Role.FACILITATOR)
"""
COUNT_REPLIES = "from forums.models import Post; print(Post.objects.filter(number__gt=1).count())"


def test_embedded_mode_takes_eight_replies_at_the_same_instant(tmp_path):
    env = server_env(tmp_path, production=False)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "shell", "-c", CAST)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # One process, eight threads: eight writers on one SQLite file, as `make run` people do.
    process = gunicorn(env, "cop.wsgi:application", port, WEB_CONCURRENCY="2", GUNICORN_THREADS="8")
    try:
        writers = []
        for number in range(WRITERS):
            person = browser()
            log_in(person, base, f"writer{number}@example.org", PASSWORD)
            _status, _url, page = get(f"{base}/c/busy-room/t/1/", person)
            writers.append((person, page))
        start = threading.Barrier(WRITERS)
        answers: list[object] = []

        def reply(number: int) -> None:
            person, page = writers[number]
            start.wait()
            try:
                with post_form(
                    person, f"{base}/c/busy-room/t/1/reply/", page,
                    {"body": f"Reply number {number} from writer {number}."},
                ) as answer:  # fmt: skip
                    answers.append(answer.status)
            except Exception as error:  # noqa: BLE001 - every failure is what we count
                answers.append(error)

        threads = [threading.Thread(target=reply, args=(number,)) for number in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert answers == [200] * WRITERS
    finally:
        stop(process)
    # Every reply is stored once, read back from the server's own database file.
    stored = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", COUNT_REPLIES],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert stored.stdout.strip() == str(WRITERS)
