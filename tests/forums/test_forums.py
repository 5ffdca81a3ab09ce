"""Forums: facilitators open, edit, order, archive and restore them; members read the list."""

import pytest

from communities.models import AuditEvent
from forums.models import Forum, Thread
from tests.communities.helpers import after_redirect, text
from tests.forums.factories import add_replies, forum_in, start_thread

pytestmark = pytest.mark.django_db

LIST = "/c/open-practice/forums/"


def _edit_url(forum: Forum) -> str:
    return f"/c/open-practice/forums/{forum.slug}/edit/"


def _move(client, forum: Forum, to: str):
    return client.post(f"/c/open-practice/forums/{forum.slug}/move/", {"to": to})


def _order(community) -> list[str]:
    return list(community.forums.order_by("position", "name").values_list("slug", flat=True))


def test_forums_facilitator_creates_a_forum_with_a_slug_from_its_name(cast, facilitator_client):
    response = facilitator_client.post(
        LIST, {"name": "Lesson Studies & Co", "slug": "", "description": " Plans and results. "}
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    forum = Forum.objects.get(community=cast.public)
    assert (forum.name, forum.slug, forum.description) == (
        "Lesson Studies & Co",
        "lesson-studies-co",
        "Plans and results.",
    )
    assert AuditEvent.objects.filter(
        action="forum.create", actor=cast.facilitator, target_id=str(forum.pk)
    ).exists()
    page = after_redirect(facilitator_client, response)
    assert "The forum “Lesson Studies &amp; Co” is open." in page
    assert 'href="/c/open-practice/forums/lesson-studies-co/"' in page


def test_forums_create_places_the_new_forum_last(cast, facilitator_client):
    forum_in(cast.public, slug="first", position=4)

    facilitator_client.post(LIST, {"name": "Second", "slug": "second-one"})

    assert _order(cast.public) == ["first", "second-one"]
    assert Forum.objects.get(slug="second-one").position == 5


def test_forums_create_refuses_a_slug_already_used(cast, facilitator_client):
    forum_in(cast.public, name="Lesson studies", slug="lesson-studies")

    response = facilitator_client.post(LIST, {"name": "Lesson Studies", "slug": ""})

    assert response.status_code == 400
    assert "Another forum of this community already uses this address." in text(response)
    assert Forum.objects.filter(community=cast.public).count() == 1


def test_forums_create_allows_a_slug_used_by_another_community(cast, facilitator_client):
    forum_in(cast.private, slug="lesson-studies")

    response = facilitator_client.post(LIST, {"name": "Lesson studies", "slug": ""})

    assert response.status_code == 302
    assert Forum.objects.filter(community=cast.public, slug="lesson-studies").exists()


@pytest.mark.parametrize(("name", "slug"), [("Latest", ""), ("Whatever", "new"), ("New", "")])
def test_forums_create_refuses_a_reserved_slug(cast, facilitator_client, name, slug):
    response = facilitator_client.post(LIST, {"name": name, "slug": slug})

    assert response.status_code == 400
    assert "This address is reserved; please choose another." in text(response)
    assert not Forum.objects.filter(community=cast.public).exists()


def test_forums_create_refuses_a_name_without_letters_or_digits(cast, facilitator_client):
    response = facilitator_client.post(LIST, {"name": "???", "slug": ""})

    assert response.status_code == 400
    assert "Give the forum a name made of letters or digits." in text(response)
    assert not Forum.objects.exists()


def test_forums_facilitator_edits_a_forum(cast, facilitator_client):
    forum = forum_in(cast.public, name="Lesson studies", slug="lesson-studies")
    assert facilitator_client.get(_edit_url(forum)).status_code == 200

    response = facilitator_client.post(
        _edit_url(forum),
        {"name": "Lesson study", "slug": "lesson-study", "description": "One lesson at a time."},
    )

    assert response.status_code == 302
    forum.refresh_from_db()
    assert (forum.name, forum.slug, forum.description) == (
        "Lesson study",
        "lesson-study",
        "One lesson at a time.",
    )
    event = AuditEvent.objects.get(action="forum.update", target_id=str(forum.pk))
    assert sorted(event.details["fields"]) == ["description", "name", "slug"]
    assert "The forum is saved." in after_redirect(facilitator_client, response)


def test_forums_edit_refuses_the_slug_of_another_forum(cast, facilitator_client):
    forum_in(cast.public, slug="taken")
    forum = forum_in(cast.public, name="Mine", slug="mine")

    response = facilitator_client.post(_edit_url(forum), {"name": "Mine", "slug": "taken"})

    assert response.status_code == 400
    assert "Another forum of this community already uses this address." in text(response)
    forum.refresh_from_db()
    assert forum.slug == "mine"


def test_forums_edit_keeps_its_own_slug(cast, facilitator_client):
    forum = forum_in(cast.public, name="Mine", slug="mine")

    response = facilitator_client.post(_edit_url(forum), {"name": "Still mine", "slug": "mine"})

    assert response.status_code == 302
    forum.refresh_from_db()
    assert (forum.name, forum.slug) == ("Still mine", "mine")


def test_forums_facilitator_moves_a_forum_up_and_down(cast, facilitator_client):
    first, _second, third = (
        forum_in(cast.public, slug=slug, position=number)
        for number, slug in enumerate(["a", "b", "c"], start=1)
    )

    response = _move(facilitator_client, third, "up")

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert _order(cast.public) == ["a", "c", "b"]
    _move(facilitator_client, first, "down")
    assert _order(cast.public) == ["c", "a", "b"]
    page = text(facilitator_client.get(LIST))
    assert page.index("/forums/c/") < page.index("/forums/a/") < page.index("/forums/b/")


def test_forums_move_past_either_end_changes_nothing(cast, facilitator_client):
    first = forum_in(cast.public, slug="a", position=1)
    last = forum_in(cast.public, slug="b", position=2)

    _move(facilitator_client, first, "up")
    _move(facilitator_client, last, "down")

    assert _order(cast.public) == ["a", "b"]


def test_forums_facilitator_archives_and_restores_a_forum(cast, facilitator_client):
    forum = forum_in(cast.public, name="Old plans", slug="old-plans", description="")

    response = facilitator_client.post(
        _edit_url(forum), {"name": "Old plans", "slug": "old-plans", "archive": "1"}
    )

    assert response.status_code == 302
    forum.refresh_from_db()
    assert forum.is_archived
    assert "Save and restore the forum" in text(facilitator_client.get(_edit_url(forum)))

    facilitator_client.post(
        _edit_url(forum), {"name": "Old plans", "slug": "old-plans", "archive": "0"}
    )

    forum.refresh_from_db()
    assert not forum.is_archived
    fields = [
        event.details["fields"]
        for event in AuditEvent.objects.filter(action="forum.update", target_id=str(forum.pk))
    ]
    assert fields == [["is_archived"], ["is_archived"]]


def test_forums_members_cannot_manage_forums(cast, member_client):
    forum = forum_in(cast.public, name="Lesson studies", slug="lesson-studies", position=1)
    other = forum_in(cast.public, slug="other", position=2)

    assert member_client.post(LIST, {"name": "Mine", "slug": ""}).status_code == 403
    assert member_client.get(_edit_url(forum)).status_code == 403
    edit = member_client.post(_edit_url(forum), {"name": "Taken", "slug": "x", "archive": "1"})
    assert edit.status_code == 403
    assert _move(member_client, other, "up").status_code == 403

    assert list(Forum.objects.values_list("slug", flat=True).order_by("position")) == [
        "lesson-studies",
        "other",
    ]
    forum.refresh_from_db()
    assert (forum.name, forum.is_archived) == ("Lesson studies", False)
    page = text(member_client.get(LIST))
    assert "New forum" not in page
    assert "/edit/" not in page


def test_forums_list_shows_counts_and_the_latest_thread(cast, member_client):
    forum = forum_in(cast.public, name="Lesson studies", slug="lesson-studies")
    older = start_thread(forum, cast.member, title="An older question")
    add_replies(older, [cast.facilitator], 2)
    newer = start_thread(forum, cast.organizer, title="The newest question")
    empty = forum_in(cast.public, name="Quiet corner", slug="quiet")

    page = text(member_client.get(LIST))

    assert "2 threads" in page
    assert "4 posts" in page
    assert f'<a href="/c/open-practice/t/{newer.pk}/">The newest question</a>' in page
    assert "An older question" not in page
    quiet = page[page.index(empty.name) :]
    assert "0 threads" in quiet
    assert "0 posts" in quiet


def test_forums_list_hides_archived_forums_from_members(cast, member_client, facilitator_client):
    forum_in(cast.public, name="Current plans", slug="current")
    forum_in(cast.public, name="Old plans", slug="old", is_archived=True)

    member_page = text(member_client.get(LIST))
    facilitator_page = text(facilitator_client.get(LIST))

    assert "Current plans" in member_page
    assert "Old plans" not in member_page
    assert "Old plans" in facilitator_page
    assert "Archived" in facilitator_page


def test_forums_archived_forum_refuses_new_threads(cast, member_client):
    forum = forum_in(cast.public, name="Old plans", slug="old", is_archived=True)
    url = f"/c/open-practice/forums/{forum.slug}/new/"

    message = "This forum is archived: it no longer takes new threads."
    for send in (
        lambda: member_client.get(url),
        lambda: member_client.post(url, {"title": "Still here?", "body": "Anyone?"}),
    ):
        response = send()
        assert response.status_code == 302
        assert response["Location"] == forum.get_absolute_url()
        assert message in after_redirect(member_client, response)
    assert not Thread.objects.exists()
    assert "New thread" not in text(member_client.get(forum.get_absolute_url()))
