"""`access_thread` and `access_post`: fetch and check in one call, 404 for "missing" and for
"not yours" alike."""

import pytest
from django.http import Http404
from django.utils import timezone

from communities.permissions import access_for
from forums.models import Post, Thread
from forums.selectors import access_post, access_thread
from tests.forums.factories import add_replies, forum_in, start_thread

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _access(cast, principal="member", community=None):
    return access_for(cast.person(principal), community or cast.public)


# --- access_thread ----------------------------------------------------------------------------


def test_access_thread_finds_a_visible_thread_with_the_readers_state(cast, thread):
    found = access_thread(_access(cast), thread.pk)

    assert found == thread
    assert found.my_last_read is None
    assert found.my_level is None


def test_access_thread_missing_is_404(cast):
    with pytest.raises(Http404):
        access_thread(_access(cast), MISSING)


def test_access_thread_of_another_community_is_404(cast):
    elsewhere = start_thread(forum_in(cast.other), cast.other_member, title="Not here")

    with pytest.raises(Http404):
        access_thread(_access(cast, "organizer"), elsewhere.pk)
    with pytest.raises(Http404):
        access_thread(_access(cast, "organizer"), elsewhere.pk, moderating=True)


def test_access_thread_of_a_private_community_is_404_to_an_outsider(cast):
    private = start_thread(forum_in(cast.private), cast.member, title="Staff only")

    with pytest.raises(Http404):
        access_thread(_access(cast, "outsider", cast.private), private.pk)


def test_access_thread_hidden_is_404_to_a_member_and_found_by_a_moderator(cast, thread):
    Thread.objects.filter(pk=thread.pk).update(hidden_at=timezone.now())

    with pytest.raises(Http404):
        access_thread(_access(cast, "member"), thread.pk)
    with pytest.raises(Http404):
        access_thread(_access(cast, "member"), thread.pk, moderating=True)
    assert access_thread(_access(cast, "facilitator"), thread.pk, moderating=True) == thread
    assert access_thread(_access(cast, "facilitator"), thread.pk) == thread


def test_access_thread_moderating_is_404_without_the_capability(cast, thread):
    with pytest.raises(Http404):
        access_thread(_access(cast, "member"), thread.pk, moderating=True)


# --- access_post ------------------------------------------------------------------------------


def test_access_post_finds_a_visible_post(cast, thread):
    post = thread.posts.get(number=1)

    found = access_post(_access(cast), post.pk, content=True)

    assert found == post
    assert found.thread.forum.pk == thread.forum_id


def test_access_post_missing_is_404(cast):
    with pytest.raises(Http404):
        access_post(_access(cast), MISSING)


def test_access_post_of_another_community_is_404(cast):
    elsewhere = start_thread(forum_in(cast.other), cast.other_member, title="Not here")

    with pytest.raises(Http404):
        access_post(_access(cast, "organizer"), elsewhere.posts.get(number=1).pk)


def test_access_post_in_a_hidden_thread_is_404_to_a_member(cast, thread):
    post = add_replies(thread, [cast.member], 1)[0]
    Thread.objects.filter(pk=thread.pk).update(hidden_at=timezone.now())

    with pytest.raises(Http404):
        access_post(_access(cast, "member"), post.pk)
    assert access_post(_access(cast, "facilitator"), post.pk) == post


def test_access_post_hidden_is_reachable_but_its_content_is_not(cast, thread):
    post = add_replies(thread, [cast.organizer], 1)[0]
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())

    assert access_post(_access(cast, "member"), post.pk) == post
    with pytest.raises(Http404):
        access_post(_access(cast, "member"), post.pk, content=True)
    assert access_post(_access(cast, "facilitator"), post.pk, content=True) == post


def test_access_post_pending_shows_to_its_author_and_moderators_only(cast, thread):
    post = add_replies(thread, [cast.member], 1)[0]
    Post.objects.filter(pk=post.pk).update(is_pending=True)

    with pytest.raises(Http404):
        access_post(_access(cast, "other_member"), post.pk)
    assert access_post(_access(cast, "member"), post.pk, content=True) == post
    assert access_post(_access(cast, "facilitator"), post.pk) == post
