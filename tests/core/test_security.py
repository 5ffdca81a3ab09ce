"""The security baseline: CSP with nonces, safe headers, and a clean `check --deploy`."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _production_env(**extra: str) -> dict[str, str]:
    prefixes = ("COP_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_URL", "DJANGO_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.update(
        COP_ENV="production",
        COP_SECRET_KEY=secrets.token_urlsafe(64),
        COP_ALLOWED_HOSTS="praxis.example.org",
        COP_DATA_DIR=extra.pop("COP_DATA_DIR", "/tmp/praxis-check"),
        REDIS_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
        DATABASE_URL="postgres://praxis@127.0.0.1:5432/praxis",
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_security_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _check_deploy(_production_env(COP_DATA_DIR=str(tmp_path)))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_check_deploy_is_clean_for_a_plain_http_trial(tmp_path):
    """COP_HTTPS=false turns the HTTPS-only settings off together, on purpose, and says so."""
    result = _check_deploy(_production_env(COP_DATA_DIR=str(tmp_path), COP_HTTPS="false"))

    assert result.returncode == 0, result.stdout + result.stderr


def test_security_check_deploy_fails_without_production_hardening(tmp_path):
    # The embedded mode (debug on, no HTTPS settings) must not pass as production.
    env = _production_env(COP_DATA_DIR=str(tmp_path), COP_ENV="embedded", COP_DEBUG="true")

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


def test_security_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(COP_DATA_DIR=str(tmp_path))
    del env["COP_SECRET_KEY"]

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "COP_SECRET_KEY" in result.stderr


def _pages_without_arguments() -> list[str]:
    """Every route of the project that takes no argument, except the admin and raw files."""
    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("admin/", "media/")):
                    continue
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and not pattern.pattern.converters:
                if "(?P<" in route or "^" in route:
                    continue
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def _assert_csp_with_nonce(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src)
    assert nonce, f"no nonce in script-src: {policy}"
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    tags = SCRIPT_TAG.findall(html)
    assert tags, "the layout loads its scripts"
    for attributes in tags:
        is_data = 'type="application/json"' in attributes
        assert "src=" in attributes or is_data, f"inline script: <script{attributes}>"
        assert f'nonce="{nonce.group(1)}"' in attributes
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_security_every_html_page_carries_a_csp_with_a_nonce(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    pages = _pages_without_arguments()
    assert "/" in pages and "/accounts/login/" in pages and "/accounts/profile/" in pages

    checked = []
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        _assert_csp_with_nonce(response)
        checked.append(path)

    expected = {"/", "/accounts/profile/"} if signed_in else {"/", "/accounts/signup/"}
    assert expected <= set(checked)


def test_security_headers_on_every_page(client):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_security_htmx_is_configured_to_inject_no_inline_style(client):
    html = client.get("/").content.decode()

    assert '"includeIndicatorStyles": false' in html
    assert "/static/django_htmx/htmx" in html


def test_security_uploaded_media_is_served_inert(client, settings):
    path = Path(settings.MEDIA_ROOT) / "avatars" / "x.html"
    path.parent.mkdir(parents=True)
    path.write_text("<script>alert(1)</script>")
    UserFactory(avatar="avatars/x.html")

    response = client.get("/media/avatars/x.html")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_security_media_serves_a_real_avatar_only(client, settings):
    folder = Path(settings.MEDIA_ROOT) / "avatars"
    folder.mkdir(parents=True)
    (folder / "kept.jpg").write_bytes(b"\xff\xd8\xff avatar bytes")
    (folder / "orphan.jpg").write_bytes(b"\xff\xd8\xff left behind")
    UserFactory(avatar="avatars/kept.jpg")

    served = client.get("/media/avatars/kept.jpg")

    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"\xff\xd8\xff avatar bytes"
    # A file in the folder that is nobody's avatar (a replaced one, a planted one) is not served.
    assert client.get("/media/avatars/orphan.jpg").status_code == 404


# Every spelling of "leave the avatars folder" seen in the attack, and its relatives.
TRAVERSALS = [
    "/media/avatars/%2e%2e/{target}",
    "/media/avatars/..%2f{target}",
    "/media/avatars/%2e%2e%2f{target}",
    "/media/avatars/%2E%2E/{target}",
    "/media/avatars/../{target}",
    "/media/avatars/./../{target}",
    "/media/avatars//../{target}",
    "/media/avatars/%2e%2e%5c{target}",
    "/media/avatars/..%5c{target}",
    "/media/avatars/..\\{target}",
    "/media/avatars/%252e%252e/{target}",
    "/media/avatars/%252e%252e%252f{target}",
    "/media/avatars/x/../../{target}",
    "/media/avatars/%2e%2e/%2e%2e/media/{target}",
    "/media/{target}",
    "/media/avatars%2f..%2f{target}",
]


@pytest.mark.parametrize("spelling", TRAVERSALS)
def test_security_media_never_serves_a_private_file_through_the_avatar_folder(
    client, settings, spelling
):
    """A library file or forum attachment is reachable only through its permission check."""
    secret = b"%PDF-1.4 private minutes of the private community"
    for target in ("documents/7/0123456789abcdef0123456789abcdef.pdf", "forums/2026/11/a.pdf"):
        stored = Path(settings.MEDIA_ROOT) / target
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(secret)
        UserFactory(avatar="avatars/real.jpg")

        response = client.get(spelling.format(target=target))

        assert response.status_code in {400, 404}, spelling
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert secret not in body


def test_security_media_refuses_paths_outside_the_upload_folder(client):
    assert client.get("/media/../cop/settings.py").status_code in {400, 404}
    assert client.get("/media/%2e%2e/cop/settings.py").status_code in {400, 404}
