"""Running Praxis as a server in a subprocess: a free port, gunicorn with gunicorn.conf.py, a
settings environment of its own, and a small HTTP client with a cookie jar (a browser's rules)."""

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(tmp_path: Path, *, production: bool = True, **extra: str) -> dict[str, str]:
    """Settings of a server of its own: its data folder, none of the caller's services."""
    prefixes = ("COP_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_URL", "DJANGO_", "GUNICORN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        COP_ENV="production" if production else "embedded",
        COP_SECRET_KEY=secrets.token_urlsafe(50),
        COP_ALLOWED_HOSTS="127.0.0.1",
        COP_DATA_DIR=str(tmp_path / "data"),
        COP_STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=120)


def get(url: str, opener=None, timeout: float = 10) -> tuple[int, str, str]:
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.geturl(), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode()


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}")
        try:
            get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer within 60 s")


def gunicorn(env: dict[str, str], app: str, port: int, **settings: str) -> subprocess.Popen:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", **settings}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}/healthz", process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def browser() -> urllib.request.OpenerDirector:
    """An HTTP client that keeps cookies as a browser does (never a Secure one over HTTP)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.jar = jar
    return opener


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def post_form(opener, url: str, page: str, fields: dict[str, str]):
    """Send a form of `page` (its CSRF token included); the response after redirects."""
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_token(page), **fields}).encode()
    return opener.open(url, data=data, timeout=30)


def log_in(opener, base: str, email: str, password: str) -> None:
    _status, _url, page = get(f"{base}/accounts/login/", opener)
    fields = {"login": email, "password": password}
    with post_form(opener, f"{base}/accounts/login/", page, fields) as answer:
        assert answer.geturl() == f"{base}/", answer.geturl()
