"""Production serving, as the Docker image runs it: gunicorn with gunicorn.conf.py, /healthz
answering while requests are slow, and a local trial over plain HTTP where logging in works."""

import os
import runpy
import threading
import time

from tests.serving.server import (
    CONFIG,
    ROOT,
    browser,
    free_port,
    get,
    gunicorn,
    log_in,
    manage,
    server_env,
    stop,
)

PASSWORD = "a-Long-trial-passphrase-7"
CREATE_PERSON = f"""
from accounts.models import User
from allauth.account.models import EmailAddress
person = User.objects.create_user("trial@example.org", "{PASSWORD}", display_name="Trial Person")
EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
"""


def test_gunicorn_configuration_sizes_itself_from_the_machine(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONFIG))

    assert config["workers"] == min(os.cpu_count() + 1, 8)
    assert (config["worker_class"], config["threads"]) == ("gthread", 4)
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["graceful_timeout"] > 0 and config["timeout"] > 0
    assert config["accesslog"] == "-"

    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    config = runpy.run_path(str(CONFIG))
    assert (config["workers"], config["threads"]) == (5, 2)


def test_deployment_files_start_gunicorn_with_its_configuration():
    command = '["gunicorn", "--config", "gunicorn.conf.py", "cop.wsgi:application"]'
    assert command in (ROOT / "Dockerfile").read_text()
    assert command in (ROOT / "docker-compose.yml").read_text()


def test_healthz_answers_while_every_process_is_busy_with_slow_requests(tmp_path):
    env = server_env(tmp_path, COP_HTTPS="false", SLOW_DIR=str(tmp_path))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # One process: without threads, one slow request would hold the whole web tier.
    process = gunicorn(env, "tests.serving.slow_wsgi:application", port, WEB_CONCURRENCY="1")
    # Three slow requests: with gunicorn's default of one thread, three processes would be busy.
    slow = [
        threading.Thread(target=get, args=(f"{base}/slow",), kwargs={"timeout": 40})
        for _ in range(3)
    ]
    try:
        for request in slow:
            request.start()
        deadline = time.monotonic() + 20
        while len(list(tmp_path.glob("entered-*"))) < len(slow) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(list(tmp_path.glob("entered-*"))) == len(slow)

        started = time.monotonic()
        status, _url, body = get(f"{base}/healthz", timeout=5)

        assert status == 200 and '"database": "ok"' in body
        assert time.monotonic() - started < 5
    finally:
        (tmp_path / "release").touch()
        for request in slow:
            request.join(timeout=40)
        stop(process)


def test_local_trial_over_plain_http_lets_a_person_log_in(tmp_path):
    """COP_HTTPS=false, as the README says for http://localhost: no redirect to HTTPS, and
    cookies a browser sends back over HTTP (urllib's cookie jar, like a browser, never sends a
    Secure cookie over plain HTTP)."""
    env = server_env(tmp_path, COP_HTTPS="false")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "shell", "-c", CREATE_PERSON)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = gunicorn(env, "cop.wsgi:application", port)
    try:
        person = browser()
        status, url, _page = get(f"{base}/accounts/login/", person)
        assert (status, url) == (200, f"{base}/accounts/login/")

        log_in(person, base, "trial@example.org", PASSWORD)

        status, url, page = get(f"{base}/accounts/profile/", person)
        assert (status, url) == (200, f"{base}/accounts/profile/")
        assert "Trial Person" in page
        assert all(not cookie.secure for cookie in person.jar)
    finally:
        stop(process)
