"""Bad input answers 400, 404 or 416, never 500 (tests/test_hostile_input.py walks every route).

Each case below answered 500 once. They run on the configured database: CI runs them on
PostgreSQL, which refuses a NUL character anywhere in a query.
"""

import pytest
from django.core.files.base import ContentFile
from django.test.client import encode_multipart
from django.urls import reverse

from communities.models import AuditEvent
from documents import services as documents
from documents.models import Folder
from forums.models import Attachment, Post
from tests.forums.factories import forum_in, png_bytes, start_thread, upload

pytestmark = pytest.mark.django_db

BAD_REQUEST = "This request could not be understood"


@pytest.fixture
def thread(cast):
    return start_thread(forum_in(cast.public, slug="lesson-studies"), cast.organizer)


def _reply_url(thread) -> str:
    return reverse("thread_reply", args=[thread.community.slug, thread.pk])


# --- NUL, refused once for the whole site (core.middleware) ----------------------------------


def test_bad_input_nul_in_the_mentions_query_is_400(member_client, cast):
    url = reverse("mention_suggestions", args=[cast.public.slug])

    response = member_client.get(url + "?q=%00")

    assert response.status_code == 400
    assert BAD_REQUEST in response.content.decode()


def test_bad_input_nul_in_an_invitation_token_is_400(client, cast):
    response = client.get(f"/c/{cast.public.slug}/invite/abc%00def/")

    assert response.status_code == 400
    assert BAD_REQUEST in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/%00/", "/search/?q=a%00b", "/search/?q%00=1", "/search/?q=\x00", "/c/x\x00y/"],
)
def test_bad_input_nul_anywhere_in_the_address_is_400(client, url):
    assert client.get(url).status_code == 400


def test_bad_input_400_page_speaks_the_browser_language(client):
    response = client.get("/search/?q=%00", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize(
    "data", [{"body": "Thanks, I will try it.\x00"}, {"bo\x00dy": "Thanks, I will try it."}]
)
def test_bad_input_nul_in_a_posted_field_is_400_and_stores_nothing(member_client, thread, data):
    response = member_client.post(_reply_url(thread), data)

    assert response.status_code == 400
    assert Post.objects.filter(thread=thread).count() == 1


def test_bad_input_nul_in_a_multipart_field_is_400_and_stores_nothing(member_client, thread):
    body = {"body": "See the board.\x00", "attachments": upload("board.png", png_bytes())}

    response = member_client.post(_reply_url(thread), body)

    assert response.status_code == 400
    assert Post.objects.filter(thread=thread).count() == 1
    assert not Attachment.objects.exists()


def test_bad_input_a_clean_multipart_reply_still_goes_through(member_client, thread):
    body = {"body": "See the board.", "attachments": upload("board.png", png_bytes())}

    response = member_client.post(_reply_url(thread), body)

    assert response.status_code == 302
    assert Post.objects.get(thread=thread, number=2).attachments.count() == 1


def test_bad_input_a_file_name_stripped_of_nul_is_stored_clean(member_client, cast):
    """Django's parser drops unprintable characters from a file's name before we see it."""
    body = encode_multipart("b0undary", {"files": ContentFile(b"Notes.\n", "no\x00tes.txt")})
    url = reverse("document_upload", args=[cast.public.slug])

    response = member_client.post(url, body, content_type="multipart/form-data; boundary=b0undary")

    assert response.status_code == 302
    assert cast.public.documents.get().title == "notes"


@pytest.mark.parametrize(
    "cookie", ["sessionid=abcdefghij\x00klmnop", 'sessionid="abcdefghij\\000klmnop"']
)
def test_bad_input_a_cookie_holding_nul_is_dropped(client, cookie):
    response = client.get(reverse("home"), HTTP_COOKIE=cookie)

    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/c/%ff%fe/", "/search/?q=%ff%fe", "/%ff/"])
def test_bad_input_bytes_that_are_not_utf8_are_no_500(client, url):
    assert client.get(url).status_code in {200, 404}


@pytest.mark.parametrize("forwarded", ["not-an-ip", "203.0.113.7\x00", "999.1.1.1"])
def test_bad_input_an_address_that_is_none_is_not_audited(
    facilitator_client, cast, thread, settings, forwarded
):
    """A proxy set up wrong passes on what the client wrote: the audit keeps no address."""
    settings.COP_TRUSTED_PROXIES = 1
    post = thread.posts.get(number=1)
    url = reverse("post_hide", args=[cast.public.slug, post.pk])

    response = facilitator_client.post(
        url, {"reason": "Off-topic."}, HTTP_X_FORWARDED_FOR=forwarded
    )

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="post.hide").ip is None


# --- Query parameters, read through forms ----------------------------------------------------


@pytest.mark.parametrize("parent", ["abc", "-1", "0", "1.5", "²", "99999999999999999999"])
def test_bad_input_new_folder_in_a_parent_that_is_no_id_is_404(member_client, cast, parent):
    url = reverse("folder_new", args=[cast.public.slug])

    assert member_client.get(f"{url}?parent={parent}").status_code == 404
    assert member_client.post(f"{url}?parent={parent}", {"name": "Plans"}).status_code == 404
    assert member_client.post(url, {"name": "Plans", "parent": parent}).status_code == 404
    assert not Folder.objects.filter(community=cast.public).exists()


def test_bad_input_new_folder_in_a_real_parent_still_works(member_client, cast):
    parent = documents.create_folder(cast.public, parent=None, name="Plans", actor=cast.member)
    url = reverse("folder_new", args=[cast.public.slug]) + f"?parent={parent.pk}"

    assert member_client.get(url).status_code == 200
    assert member_client.post(url, {"name": "Drafts"}).status_code == 302
    assert Folder.objects.get(name="Drafts").parent == parent


@pytest.mark.parametrize(
    "query", ["page=99999999999999999999", "page=" + "9" * 5000, "quote=²", "quote=" + "9" * 20]
)
def test_bad_input_thread_page_and_quote_naming_nothing_are_ignored(member_client, thread, query):
    response = member_client.get(f"{thread.get_absolute_url()}?{query}")

    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_bad_input_search_in_a_forum_id_too_large_ignores_it(member_client, cast, thread):
    url = reverse("community_search", args=[cast.public.slug])

    response = member_client.get(f"{url}?q=lesson&forum=99999999999999999999")

    assert response.status_code == 200


@pytest.mark.parametrize("key", ["é", "²", "%ff%fe"])
def test_bad_input_join_key_that_is_not_ascii_is_404(outsider_client, cast, key):
    url = reverse("join", args=[cast.private.slug])

    assert outsider_client.get(f"{url}?key={key}").status_code == 404


# --- Range headers ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["9" * 5000, "99999999999999999999"])
def test_bad_input_range_past_any_file_is_416(member_client, cast, start):
    content = b"Notes on the first lesson.\n"
    document = documents.upload_document(
        cast.public, upload=ContentFile(content, name="notes.txt"), actor=cast.member
    ).document
    url = reverse("document_download", args=[cast.public.slug, document.pk])

    response = member_client.get(url, HTTP_RANGE=f"bytes={start}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(content)}"
