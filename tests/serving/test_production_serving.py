"""Production serving, as the Docker image runs it: gunicorn with gunicorn.conf.py, /healthz
answering while requests are slow, and a local trial over plain HTTP where logging in works."""

import http.cookiejar
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"
PASSWORD = "a-Long-trial-passphrase-7"
CREATE_PERSON = f"""
from accounts.models import User
from allauth.account.models import EmailAddress
person = User.objects.create_user("trial@example.org", "{PASSWORD}", display_name="Trial Person")
EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    prefixes = ("COP_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_URL", "DJANGO_", "GUNICORN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        COP_ENV="production",
        COP_SECRET_KEY=secrets.token_urlsafe(50),
        COP_ALLOWED_HOSTS="127.0.0.1",
        COP_DATA_DIR=str(tmp_path / "data"),
        COP_STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=120)


def _get(url: str, opener=None, timeout: float = 10) -> tuple[int, str, str]:
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.geturl(), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode()


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}")
        try:
            _get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer within 60 s")


def _gunicorn(env: dict[str, str], app: str, port: int, **settings: str) -> subprocess.Popen:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", **settings}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(f"http://127.0.0.1:{port}/healthz", process)
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


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
    env = _production_env(tmp_path, COP_HTTPS="false", SLOW_DIR=str(tmp_path))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # One process: without threads, one slow request would hold the whole web tier.
    process = _gunicorn(env, "tests.serving.slow_wsgi:application", port, WEB_CONCURRENCY="1")
    slow = [threading.Thread(target=_get, args=(f"{base}/slow",), kwargs={"timeout": 40})]
    slow += [threading.Thread(target=_get, args=(f"{base}/slow",), kwargs={"timeout": 40})]
    try:
        for request in slow:
            request.start()
        deadline = time.monotonic() + 20
        while len(list(tmp_path.glob("entered-*"))) < len(slow) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(list(tmp_path.glob("entered-*"))) == len(slow)

        started = time.monotonic()
        status, _url, body = _get(f"{base}/healthz", timeout=5)

        assert status == 200 and '"database": "ok"' in body
        assert time.monotonic() - started < 5
    finally:
        (tmp_path / "release").touch()
        for request in slow:
            request.join(timeout=40)
        _stop(process)


def test_local_trial_over_plain_http_lets_a_person_log_in(tmp_path):
    """COP_HTTPS=false, as the README says for http://localhost: no redirect to HTTPS, and
    cookies a browser sends back over HTTP (urllib's cookie jar, like a browser, never sends a
    Secure cookie over plain HTTP)."""
    env = _production_env(tmp_path, COP_HTTPS="false")
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "collectstatic", "--no-input", "-v", "0")
    _manage(env, "shell", "-c", CREATE_PERSON)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _gunicorn(env, "cop.wsgi:application", port)
    try:
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, url, page = _get(f"{base}/accounts/login/", browser)
        assert (status, url) == (200, f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": "trial@example.org", "password": PASSWORD}
        ).encode()

        with browser.open(f"{base}/accounts/login/", data=form, timeout=10) as response:
            assert response.status == 200
            assert response.geturl() == f"{base}/"

        status, url, page = _get(f"{base}/accounts/profile/", browser)
        assert (status, url) == (200, f"{base}/accounts/profile/")
        assert "Trial Person" in page
        assert all(not cookie.secure for cookie in jar)
    finally:
        _stop(process)
