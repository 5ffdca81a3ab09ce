"""The server tells the page's draft script which draft it stored, and only then; an htmx post
whose session expired sends the page to the login page and back."""

import pytest
from django.urls import reverse

from forums import services
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

SENT = "praxis_draft_sent"


@pytest.fixture
def thread(cast):
    return start_thread(forum_in(cast.public), cast.organizer, title="Exit tickets")


def _reply(client, thread, body: str, draft: str = "u3-reply-1", **headers):
    url = reverse("thread_reply", args=[thread.community.slug, thread.pk])
    return client.post(url, {"body": body, "draft": draft}, **headers)


def test_drafts_a_stored_reply_names_its_draft(thread, member_client):
    response = _reply(member_client, thread, "Stored at once.")

    assert response.status_code == 302
    assert response.cookies[SENT].value == "u3-reply-1"
    assert response.cookies[SENT]["max-age"] == 300


def test_drafts_a_stored_htmx_reply_names_its_draft(thread, member_client):
    response = _reply(member_client, thread, "Stored in place.", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.cookies[SENT].value == "u3-reply-1"


@pytest.mark.parametrize("htmx", [False, True])
def test_drafts_a_refused_reply_keeps_its_draft(thread, member_client, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = _reply(member_client, thread, "", **headers)

    assert SENT not in response.cookies


def test_drafts_a_reply_to_a_locked_thread_keeps_its_draft(cast, thread, member_client):
    services.lock_thread(thread, actor=cast.facilitator)

    response = _reply(member_client, thread, "Too late.")

    assert response.status_code == 302  # back to the thread, with an error message
    assert SENT not in response.cookies


def test_drafts_a_key_of_another_shape_is_not_echoed(thread, member_client):
    response = _reply(member_client, thread, "Stored.", draft="x; Path=/evil")

    assert response.status_code == 302
    assert SENT not in response.cookies


def test_drafts_an_expired_session_keeps_the_draft(thread, client):
    response = _reply(client, thread, "Written before the session ended.")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SENT not in response.cookies


def test_drafts_an_expired_session_sends_an_htmx_page_to_login_and_back(thread, client):
    page = f"http://testserver{thread.get_absolute_url()}?page=2"

    response = _reply(
        client, thread, "Written before the session ended.",
        HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=page,
    )  # fmt: skip

    assert response.status_code == 204
    assert response["HX-Redirect"] == (
        f"{reverse('account_login')}?next=%2Fc%2Fopen-practice%2Ft%2F{thread.pk}%2F%3Fpage%3D2"
    )
    assert SENT not in response.cookies


def test_drafts_an_htmx_page_on_another_site_is_not_a_way_back(thread, client):
    response = _reply(
        client, thread, "x", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/"
    )

    assert response["HX-Redirect"] == f"{reverse('account_login')}?next=%2F"


def test_drafts_forms_that_keep_drafts_are_marked(cast, thread, member_client):
    page = member_client.get(thread.get_absolute_url()).content.decode()

    assert f'data-draft="u{cast.member.pk}-reply-{thread.pk}"' in page
    assert "/static/js/drafts.js" in page
