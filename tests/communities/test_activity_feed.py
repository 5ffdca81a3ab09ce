"""The activity feed names each target as it is now: renamed away, hidden or trashed text never
lingers on the community's home page (it used to be copied into the log when recorded)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from communities.models import Activity
from documents import services as documents
from forums import services as forums
from tests.communities.helpers import text
from tests.forums.factories import add_replies, forum_in, start_thread

pytestmark = pytest.mark.django_db

OLD_TITLE = "Jane Roe's diagnosis and her home address"
NEW_TITLE = "Supporting a pupil through absence"


def _every_reader_view(client, community) -> str:
    """The home page and the feed's htmx fragment, as one text."""
    home = client.get(community.get_absolute_url())
    fragment = client.get(
        community.get_absolute_url() + "?page=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="feed-more"
    )
    assert {home.status_code, fragment.status_code} == {200}
    return text(home) + text(fragment)


def _search_finds_the_old_title(client) -> bool:
    found = client.get(reverse("search"), {"q": "diagnosis"})
    assert found.status_code == 200
    return "Jane Roe" in found.content.decode()


def test_activity_feed_shows_a_renamed_thread_by_its_new_title(cast, facilitator_client, client):
    forum = forum_in(cast.public, name="Lesson studies", slug="lesson-studies")
    thread = start_thread(forum, cast.member, title=OLD_TITLE, body="What can we do for her?")
    add_replies(thread, [cast.organizer], 1, body="Let us talk about it.")
    assert "diagnosis" in _every_reader_view(client, cast.public)
    assert _search_finds_the_old_title(client)

    response = facilitator_client.post(
        reverse("thread_tools", args=[cast.public.slug, thread.pk]),
        {"action": "rename", "title": NEW_TITLE},
    )

    assert response.status_code == 302
    for reader in (client, facilitator_client):
        page = _every_reader_view(reader, cast.public)
        assert "diagnosis" not in page and "Jane Roe" not in page
        assert f"Mateo Member started “{NEW_TITLE}”" in page
        assert f"Olga Organizer replied in “{NEW_TITLE}”" in page
        assert not _search_finds_the_old_title(reader)
    # Nothing of the old title is kept in the log either.
    assert not Activity.objects.filter(summary__icontains="diagnosis").exists()


def test_activity_feed_shows_a_renamed_document_by_its_new_title(cast, member_client, client):
    shared = documents.upload_document(
        cast.public, upload=ContentFile(b"Notes.\n", name="notes.txt"), actor=cast.member,
        title=OLD_TITLE,
    )  # fmt: skip
    assert "diagnosis" in _every_reader_view(client, cast.public)
    assert _search_finds_the_old_title(client)

    response = member_client.post(
        reverse("document_edit", args=[cast.public.slug, shared.document.pk]),
        {"title": NEW_TITLE, "description": "", "tags": "", "folder": ""},
    )

    assert response.status_code == 302
    page = _every_reader_view(client, cast.public)
    assert "diagnosis" not in page and "Jane Roe" not in page
    assert f"Mateo Member shared “{NEW_TITLE}”" in page
    assert not _search_finds_the_old_title(client)


def test_activity_feed_leaves_out_hidden_threads_and_trashed_documents(cast, client):
    forum = forum_in(cast.public, name="Lesson studies", slug="lesson-studies")
    thread = start_thread(forum, cast.member, title="A thread moderation will hide")
    reply = add_replies(thread, [cast.organizer], 1)[0]
    kept = start_thread(forum, cast.member, title="A thread that stays")
    shared = documents.upload_document(
        cast.public, upload=ContentFile(b"Notes.\n", name="notes.txt"), actor=cast.member,
        title="A document for the trash",
    )  # fmt: skip

    forums.hide_thread(thread, actor=cast.facilitator, reason="Personal data.")
    documents.trash_document(shared.document, actor=cast.member)
    # Even a line the log did not mark hidden is left out once its target is no longer shown.
    Activity.objects.update(is_hidden=False)

    page = text(client.get(cast.public.get_absolute_url()))
    assert "moderation will hide" not in page
    assert "for the trash" not in page
    assert "A thread that stays" in page
    assert reply.pk and kept.pk


def test_activity_feed_names_people_as_they_are_now(cast, client):
    from communities.services import record_activity

    record_activity(cast.public, cast.member, "member.join", cast.member)
    cast.member.display_name = "Mateo M."
    cast.member.save(update_fields=["display_name"])

    page = text(client.get(cast.public.get_absolute_url()))

    assert "Mateo M. joined the community" in page
    assert "Mateo Member" not in page
