"""A Redis outage slows Praxis down but neither logs anyone out nor answers 500, and sessions
outlive a Redis restart (they are kept in the database behind the cache)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from forums.models import Post
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every call to this "Redis" fails at once, as during an outage.
REDIS_DOWN = {
    "default": {
        "BACKEND": "core.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = REDIS_DOWN
    return settings


def test_cache_outage_every_call_answers_as_a_miss(redis_down):
    assert cache.get("anything", "fallback") == "fallback"
    cache.set("key", "value")
    assert cache.add("key", "value") is True  # as if added: locks and rate limits let people in
    assert cache.get_many(["a", "b"]) == {}
    assert cache.incr("counter") == 1
    assert cache.delete("key") is False
    assert cache.has_key("key") is False


def test_cache_outage_members_stay_logged_in_and_their_replies_are_kept(cast, redis_down, client):
    thread = start_thread(forum_in(cast.public), cast.organizer, title="Exit tickets")
    client.force_login(cast.member)

    response = client.post(
        reverse("thread_reply", args=[cast.public.slug, thread.pk]),
        {"body": "Written while Redis was down."},
    )

    assert response.status_code == 302
    assert "login" not in response["Location"]
    assert Post.objects.filter(thread=thread, body="Written while Redis was down.").exists()
    assert client.get(reverse("profile")).status_code == 200


def test_cache_outage_logging_in_works(redis_down, client):
    person = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": person.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200


def test_cache_outage_health_says_the_cache_is_down(redis_down, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] != "ok"


def test_cache_outage_sessions_survive_a_restart_that_empties_the_cache(cast, client):
    client.force_login(cast.member)
    assert client.get(reverse("profile")).status_code == 200

    cache.clear()  # Redis keeps nothing on disk: a restart comes back empty

    assert client.get(reverse("profile")).status_code == 200


def test_cache_outage_production_settings_keep_sessions_in_the_database(tmp_path):
    """With Redis configured, the cache fails soft and sessions are not kept in Redis alone."""
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith("COP_")}
    env.update(COP_DATA_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/0")
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env={**env, "DJANGO_SETTINGS_MODULE": "cop.settings"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip

    assert result.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "core.cache.FailSoftRedisCache",
    ]
