"""Pre-moderation: a new member's first posts wait for a facilitator before others see them."""

from types import SimpleNamespace

import pytest
from django.test import Client

from communities.models import Activity, AuditEvent, Community, Notification
from forums.models import Post, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.helpers import approve_url, hide_url, post_bodies, queue_url

pytestmark = pytest.mark.django_db

AWAITING = "Awaiting approval"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def newcomer(cast, thread):
    """Two new members of a community that holds a member's first two posts; Rosa reads."""
    Community.objects.filter(pk=cast.public.pk).update(premoderated_posts=2)
    nina = MembershipFactory(community=cast.public, user__display_name="Nina Newcomer").user
    rosa = MembershipFactory(community=cast.public, user__display_name="Rosa Reader").user
    return SimpleNamespace(nina=nina, client=_client(nina), rosa=rosa, rosa_client=_client(rosa))


def _reply(client, thread, body: str) -> Post:
    response = client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": body})
    assert response.status_code == 302, response.status_code
    return Post.objects.filter(thread=thread).latest("number")


def _found(client, word: str) -> list[int]:
    page = client.get(f"/c/open-practice/search/?q={word}").context["page"]
    return [post.pk for post in page.object_list] if page is not None else []


def _feed(client) -> set[tuple[str, int]]:
    feed = client.get("/c/open-practice/").context["feed"]
    return {(item.verb, item.target_id) for item in feed.object_list}


def test_premoderation_holds_a_new_members_first_posts(cast, thread, newcomer, client_for):
    post = _reply(newcomer.client, thread, "My Quixotic first words.")

    assert post.is_pending
    assert Thread.objects.get(pk=thread.pk).post_count == 1
    mine = text(newcomer.client.get(thread.get_absolute_url()))
    assert "Quixotic" in mine
    assert AWAITING in mine
    moderators = text(client_for("facilitator").get(thread.get_absolute_url()))
    assert "Quixotic" in moderators
    assert approve_url(post) in moderators
    for client in (newcomer.rosa_client, client_for("anonymous"), client_for("member")):
        page = text(client.get(thread.get_absolute_url()))
        assert "Quixotic" not in page
        assert len(post_bodies(page)) == 1
        assert client.get(f"/c/open-practice/p/{post.pk}/").status_code == 404
        assert _found(client, "Quixotic") == []
        assert ("post.create", post.pk) not in _feed(client)
    assert "0 replies" in text(newcomer.rosa_client.get("/c/open-practice/forums/lesson-studies/"))


def test_premoderation_held_thread_is_absent_for_others(cast, forum, newcomer, client_for):
    response = newcomer.client.post(
        "/c/open-practice/forums/lesson-studies/new/",
        {"title": "Quixotic question", "body": "Does anyone grade homework?"},
    )
    thread = Thread.objects.get(title="Quixotic question")
    assert response["Location"] == thread.get_absolute_url()
    assert thread.posts.get().is_pending
    assert thread.post_count == 0

    assert "Quixotic question" in text(newcomer.client.get("/c/open-practice/latest/"))
    assert AWAITING in text(newcomer.client.get(thread.get_absolute_url()))
    for client in (newcomer.rosa_client, client_for("anonymous")):
        assert "Quixotic" not in text(client.get("/c/open-practice/latest/"))
        assert "Quixotic" not in text(client.get("/c/open-practice/forums/lesson-studies/"))
        forums = client.get("/c/open-practice/forums/").context["forums"]
        assert [(f.thread_count, f.post_total) for f in forums] == [(1, 1)]
        assert _found(client, "Quixotic") == []
        assert client.get(thread.get_absolute_url()).status_code == 404
    assert not Activity.objects.filter(verb="thread.create", target_id=thread.pk).exists()


def test_premoderation_tells_no_one_until_approval(cast, thread, newcomer):
    # The organizer watches the thread they started; Rosa is mentioned.
    _reply(newcomer.client, thread, f"What does @{newcomer.rosa.handle} think?")

    assert not Notification.objects.filter(verb__in=["post.reply", "post.mention"]).exists()
    for facilitator in (cast.facilitator, cast.organizer):
        [notice] = Notification.objects.filter(recipient=facilitator, verb="moderation.queue")
        assert "a new member's post awaits approval" in notice.text


def test_premoderation_approval_shows_counts_and_tells(cast, thread, newcomer, client_for):
    post = _reply(newcomer.client, thread, f"Quixotic, says @{newcomer.rosa.handle}.")

    response = client_for("facilitator").post(approve_url(post))

    assert response.status_code == 302
    post.refresh_from_db()
    assert not post.is_pending
    assert Thread.objects.get(pk=thread.pk).post_count == 2
    assert "Quixotic" in text(newcomer.rosa_client.get(thread.get_absolute_url()))
    assert _found(newcomer.rosa_client, "Quixotic") == [post.pk]
    assert ("post.create", post.pk) in _feed(newcomer.rosa_client)
    assert Notification.objects.filter(recipient=newcomer.rosa, verb="post.mention").count() == 1
    assert Notification.objects.filter(recipient=cast.organizer, verb="post.reply").count() == 1
    assert Notification.objects.filter(recipient=newcomer.nina, verb="post.approve").count() == 1
    [event] = AuditEvent.objects.filter(action="post.approve")
    assert (event.actor, event.target_id) == (cast.facilitator, str(post.pk))
    client_for("facilitator").post(approve_url(post))
    assert AuditEvent.objects.filter(action="post.approve").count() == 1


def test_premoderation_approval_of_a_held_thread_shows_it(cast, forum, newcomer, client_for):
    newcomer.client.post(
        "/c/open-practice/forums/lesson-studies/new/",
        {"title": "Quixotic question", "body": "Does anyone grade homework?"},
    )
    thread = Thread.objects.get(title="Quixotic question")

    client_for("facilitator").post(approve_url(thread.posts.get()))

    assert "Quixotic question" in text(newcomer.rosa_client.get("/c/open-practice/latest/"))
    assert newcomer.rosa_client.get(thread.get_absolute_url()).status_code == 200
    assert ("thread.create", thread.pk) in _feed(newcomer.rosa_client)


def test_premoderation_the_third_post_is_not_held(cast, thread, newcomer, client_for):
    first = _reply(newcomer.client, thread, "One.")
    second = _reply(newcomer.client, thread, "Two.")
    assert first.is_pending and second.is_pending
    for post in (first, second):
        client_for("facilitator").post(approve_url(post))

    third = _reply(newcomer.client, thread, "Three.")

    assert not third.is_pending
    assert Thread.objects.get(pk=thread.pk).post_count == 4


def test_premoderation_never_holds_facilitators(cast, thread, newcomer, client_for):
    for principal in ("facilitator", "organizer"):
        post = _reply(client_for(principal), thread, f"From the {principal}.")
        assert not post.is_pending


def test_premoderation_approval_is_refused_to_members(cast, thread, newcomer, member_client):
    post = _reply(newcomer.client, thread, "One.")

    assert member_client.post(approve_url(post)).status_code == 403
    assert newcomer.client.post(approve_url(post)).status_code == 403
    assert Post.objects.get(pk=post.pk).is_pending


def test_premoderation_a_rejected_post_leaves_the_approval_list(cast, thread, newcomer, client_for):
    post = _reply(newcomer.client, thread, f"Spam for @{newcomer.rosa.handle}.")
    facilitator = client_for("facilitator")

    facilitator.post(hide_url(post), {"reason": "Spam.", "next": "queue"})

    assert facilitator.get(queue_url(cast.public)).context["pending"] == []
    facilitator.post(approve_url(post))
    assert not Notification.objects.filter(recipient=newcomer.rosa).exists()
    assert ("post.create", post.pk) not in _feed(newcomer.rosa_client)
