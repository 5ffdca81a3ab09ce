"""Error pages: debug pages never on unless asked for, our own 400/403/404/500 in both languages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import translation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A 500 ends the request before LocaleMiddleware restores the language: later tests would
    run in the French these tests ask for."""
    yield
    translation.activate("en")


def _fails(request):
    raise RuntimeError("an unexpected failure with secret detail")


urlpatterns = [
    path("boom/", _fails),
    path("", include("cop.urls")),
]

# What `make run` does: the embedded mode, nothing set but where its files go.
EMBEDDED_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
print("DEBUG", settings.DEBUG)
response = Client(HTTP_HOST="127.0.0.1").get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
print("STATUS", response.status_code)
print(response.content.decode())
"""


def _embedded_env(tmp_path, **extra: str) -> dict[str, str]:
    prefixes = ("COP_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_URL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.update(DJANGO_SETTINGS_MODULE="cop.settings", COP_DATA_DIR=str(tmp_path), **extra)
    return env


def _probe(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", EMBEDDED_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_error_pages_embedded_mode_shows_no_debug_page_by_default(tmp_path):
    output = _probe(_embedded_env(tmp_path))

    assert "DEBUG False" in output
    assert "STATUS 404" in output
    assert "Page introuvable" in output
    # Django's debug 404 lists every URL pattern of the site.
    assert "URLconf" not in output
    assert "c/&lt;slug:slug&gt;" not in output and "c/<slug:slug>" not in output


def test_error_pages_debug_is_a_developer_choice(tmp_path):
    output = _probe(_embedded_env(tmp_path, COP_DEBUG="1"))

    assert "DEBUG True" in output


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("en", "Something went wrong", "The error has been logged."),
        ("fr", "Une erreur s’est produite", "L’erreur a été enregistrée."),
    ],
)
def test_error_pages_server_error_is_ours_and_translated(language, title, text):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 500
    html = response.content.decode()
    assert title in html and text in html
    assert f'lang="{language}"' in html
    assert "secret detail" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "This form has expired"), ("fr", "Ce formulaire a expiré")],
)
def test_error_pages_csrf_failure_is_ours_and_translated(language, text):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/language/", {"language": "fr"}, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 403
    assert text in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Page not found"), ("fr", "Page introuvable")]
)
def test_error_pages_not_found_is_ours_and_translated(client, language, text):
    response = client.get("/c/no-such-community/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    assert text in response.content.decode()
