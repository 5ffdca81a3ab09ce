"""The review queue at /c/<slug>/facilitate/moderation/: flagged posts and posts held for
approval, and the facilitators' decisions taken from it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import AuditEvent, Community
from forums import services
from forums.models import Flag, Post, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.factories import add_replies
from tests.forums.helpers import dismiss_url, hide_url, queue_url, set_activity

pytestmark = pytest.mark.django_db

QUEUE = "/c/open-practice/facilitate/moderation/"


def _flag(post: Post, reason: str = "spam", text_: str = "", name: str = ""):
    kwargs = {"user__display_name": name} if name else {}
    flagger = MembershipFactory(community=post.thread.community, **kwargs).user
    services.flag_post(post, actor=flagger, reason=reason, text=text_)
    return flagger


@pytest.fixture
def replies(cast, thread) -> list[Post]:
    return add_replies(thread, [cast.member], 3, body="Reply number {number}")


def test_moderation_queue_groups_flags_per_post_newest_first(
    cast, thread, replies, facilitator_client
):
    _flag(replies[0], "off_topic", name="Ada Early")
    _flag(replies[1], "spam", name="Bea Second")
    _flag(replies[1], "other", "Copied from a blog", name="Cy Third")

    response = facilitator_client.get(QUEUE)

    assert response.status_code == 200
    flagged = list(response.context["flagged"].object_list)
    assert [post.pk for post in flagged] == [replies[1].pk, replies[0].pk]
    assert [post.open_flag_count for post in flagged] == [2, 1]
    page = text(response)
    assert page.count('class="card mb-3 queue-item flagged-item"') == 2
    assert "Bea Second: Spam or advertising" in page
    assert "Cy Third: Something else — “Copied from a blog”" in page
    assert "Ada Early: Off-topic" in page
    assert page.index("Reply number 1") < page.index("Reply number 0")
    assert f'href="/c/open-practice/p/{replies[1].pk}/">Open in context' in page
    assert "Reply number 2" not in page


def test_moderation_queue_agree_hides_with_a_reason_and_returns(cast, replies, facilitator_client):
    _flag(replies[0])
    form = text(facilitator_client.get(f"{hide_url(replies[0])}?next=queue"))
    assert '<input type="hidden" name="next" value="queue">' in form

    response = facilitator_client.post(
        hide_url(replies[0]), {"reason": "Advertising.", "next": "queue"}
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    post = Post.objects.get(pk=replies[0].pk)
    assert (post.hidden_by, post.hidden_reason) == (cast.facilitator, "Advertising.")
    assert list(Flag.objects.values_list("resolution", "resolved_by")) == [
        ("agreed", cast.facilitator.pk)
    ]
    assert list(facilitator_client.get(QUEUE).context["flagged"].object_list) == []
    assert AuditEvent.objects.filter(action="post.hide").count() == 1


def test_moderation_queue_agree_confirms_an_auto_hidden_post(cast, thread, replies, client_for):
    for _ in range(3):
        _flag(replies[0])
    facilitator = client_for("facilitator")

    facilitator.post(hide_url(replies[0]), {"reason": "Spam indeed.", "next": "queue"})

    post = Post.objects.get(pk=replies[0].pk)
    assert (post.hidden_by, post.hidden_reason) == (cast.facilitator, "Spam indeed.")
    # Hidden once: the count dropped once.
    assert Thread.objects.get(pk=thread.pk).post_count == 3


def test_moderation_queue_disagree_brings_an_auto_hidden_post_back(
    cast, thread, replies, facilitator_client
):
    for _ in range(3):
        _flag(replies[0])
    assert Post.objects.get(pk=replies[0].pk).hidden_at is not None

    response = facilitator_client.post(dismiss_url(replies[0]), {"next": "queue"})

    assert response["Location"] == QUEUE
    post = Post.objects.get(pk=replies[0].pk)
    assert (post.hidden_at, post.hidden_reason) == (None, "")
    assert Thread.objects.get(pk=thread.pk).post_count == 4
    assert set(Flag.objects.values_list("resolution", flat=True)) == {"dismissed"}
    [event] = AuditEvent.objects.filter(action="post.flags_dismiss")
    assert event.details == {"restored": True}
    assert list(facilitator_client.get(QUEUE).context["flagged"].object_list) == []
    # Dismissed flags do not count again: one new flag does not hide it.
    _flag(replies[0])
    assert Post.objects.get(pk=replies[0].pk).hidden_at is None


def test_moderation_queue_disagree_keeps_a_post_a_moderator_hid(cast, replies, client_for):
    _flag(replies[0])
    services.hide_post(replies[0], actor=cast.organizer, reason="Mine.")
    _flag(replies[0])

    client_for("facilitator").post(dismiss_url(replies[0]), {"next": "queue"})

    assert Post.objects.get(pk=replies[0].pk).hidden_by == cast.organizer


def test_moderation_queue_lists_pending_posts_with_approve(cast, thread, facilitator_client):
    Community.objects.filter(pk=cast.public.pk).update(premoderated_posts=1)
    newcomer = MembershipFactory(community=cast.public, user__display_name="Nina").user
    post = services.reply(thread, actor=newcomer, body="Hello, everyone.")

    response = facilitator_client.get(QUEUE)

    assert [item.pk for item in response.context["pending"]] == [post.pk]
    page = text(response)
    assert f'action="/c/open-practice/p/{post.pk}/approve/"' in page
    assert "Hello, everyone." in page
    approved = facilitator_client.post(f"/c/open-practice/p/{post.pk}/approve/", {"next": "queue"})
    assert approved["Location"] == QUEUE
    assert facilitator_client.get(QUEUE).context["pending"] == []


def test_moderation_queue_is_for_facilitators(cast, client_for):
    assert client_for("member").get(QUEUE).status_code == 403
    assert client_for("outsider").get(QUEUE).status_code == 403
    assert client_for("staff").get(QUEUE).status_code == 403
    assert client_for("organizer").get(QUEUE).status_code == 200
    private = queue_url(cast.private)
    assert client_for("outsider").get(private).status_code == 404
    assert client_for("other_member").get(private).status_code == 404
    assert client_for("anonymous").get(private).status_code == 404
    assert client_for("member").get(private).status_code == 403


def test_moderation_queue_shows_only_its_own_community(cast, thread, replies, facilitator_client):
    from tests.forums.factories import forum_in, start_thread

    elsewhere = start_thread(forum_in(cast.other), cast.other_member, title="Far away")
    outsider_reply = add_replies(elsewhere, [MembershipFactory(community=cast.other).user], 1)[0]
    _flag(outsider_reply)

    assert list(facilitator_client.get(QUEUE).context["flagged"].object_list) == []


def test_moderation_queue_query_count_is_flat(cast, forum, facilitator_client):
    from tests.forums.factories import start_thread

    flaggers = [MembershipFactory(community=cast.public).user for _ in range(2)]
    author = MembershipFactory(community=cast.public).user
    Community.objects.filter(pk=cast.public.pk).update(flag_threshold=0)

    def add(count: int) -> None:
        for number in range(count):
            thread = start_thread(forum, author, title=f"Question {number}")
            set_activity(thread, number)
            post = thread.posts.get()
            for flagger in flaggers:
                services.flag_post(post, actor=flagger, reason="spam")

    def measure() -> tuple[int, int]:
        facilitator_client.get(QUEUE)
        with CaptureQueriesContext(connection) as queries:
            response = facilitator_client.get(QUEUE)
        assert response.status_code == 200
        return len(queries), text(response).count("flagged-item")

    add(1)
    one, shown_one = measure()
    add(29)
    thirty, shown_thirty = measure()

    assert (shown_one, shown_thirty) == (1, 20)
    assert one == thirty


def test_moderation_queue_actions_answer_in_place_with_htmx(cast, facilitator_client):
    from communities.models import AuditEvent
    from forums.models import Post
    from tests.factories import MembershipFactory
    from tests.forums.factories import forum_in, start_thread

    author = MembershipFactory(community=cast.public).user
    flagger = MembershipFactory(community=cast.public).user
    thread = start_thread(forum_in(cast.public), author, title="A thread to review", body="Text.")
    post = Post.objects.get(thread=thread, number=1)
    services.flag_post(post, actor=flagger, reason="spam")
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue"}

    response = facilitator_client.post(
        f"/c/open-practice/p/{post.pk}/hide/",
        {"reason": "Advertising.", "next": "queue"},
        **headers,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="card mb-3 queue-item queue-done"' in body
    assert "The post is hidden. Its author has been told why." in body
    post.refresh_from_db()
    assert post.hidden_reason == "Advertising."
    assert AuditEvent.objects.filter(action="post.hide").count() == 1
    dismissed = facilitator_client.post(
        f"/c/open-practice/p/{post.pk}/dismiss/", {"next": "queue"}, **headers
    )
    assert "Nothing to change." in dismissed.content.decode()


def test_moderation_queue_keeps_its_address_and_lives_in_forums(cast):
    from django.urls import resolve, reverse

    assert reverse("moderation_queue", args=[cast.public.slug]) == QUEUE
    match = resolve(QUEUE)
    assert match.url_name == "moderation_queue"
    assert match.func.__module__ == "forums.queue_views"


def test_moderation_queue_notice_links_the_queue(cast):
    from forums.services.notices import queue_url as notice_queue_url

    assert notice_queue_url(cast.public) == QUEUE
