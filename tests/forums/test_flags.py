"""Flags: a member tells the facilitators a post needs them; enough flags hide it until review."""

import pytest
from django.test import Client

from communities.models import AuditEvent, Community, Notification
from forums.models import Flag, Post, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.factories import add_replies
from tests.forums.helpers import flag_url, landing

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(cast, thread) -> Post:
    """A reply by the organizer that members may flag."""
    return add_replies(thread, [cast.organizer], 1, body="Buy cheap essays at example.com")[0]


def _member_clients(community: Community, count: int) -> list[Client]:
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(MembershipFactory(community=community).user)
        clients.append(client)
    return clients


def _open_flags(post: Post) -> int:
    return Flag.objects.filter(post=post, resolved_at__isnull=True).count()


def test_flags_form_shows_the_post(cast, reply, member_client):
    response = member_client.get(flag_url(reply))

    assert response.status_code == 200
    assert "Buy cheap essays" in text(response)
    assert 'name="reason"' in text(response)


def test_flags_reason_is_required(cast, reply, member_client):
    response = member_client.post(flag_url(reply), {"text": "I do not like it"})

    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_flags_other_reason_needs_a_few_words(cast, reply, member_client):
    refused = member_client.post(flag_url(reply), {"reason": "other", "text": "   "})

    assert refused.status_code == 400
    assert "Say in a few words what is wrong." in text(refused)
    assert not Flag.objects.exists()

    accepted = member_client.post(flag_url(reply), {"reason": "other", "text": " Copied text "})

    assert accepted.status_code == 302
    flag = Flag.objects.get()
    assert (flag.post, flag.user, flag.reason, flag.text) == (
        reply,
        cast.member,
        "other",
        "Copied text",
    )


def test_flags_one_per_member_and_post(cast, reply, member_client):
    first = member_client.post(flag_url(reply), {"reason": "spam"})
    assert "Thank you: the facilitators will look at this post." in landing(member_client, first)

    second = member_client.post(flag_url(reply), {"reason": "off_topic"})

    assert "You have already flagged this post." in landing(member_client, second)
    assert Flag.objects.filter(post=reply, user=cast.member).count() == 1
    assert Flag.objects.get().reason == "spam"


def test_flags_author_cannot_flag_their_own_post(cast, reply, organizer_client):
    assert organizer_client.get(flag_url(reply)).status_code == 403
    assert organizer_client.post(flag_url(reply), {"reason": "spam"}).status_code == 403
    assert not Flag.objects.exists()


def test_flags_outsiders_and_visitors_cannot_flag(cast, reply, outsider_client, anon_client):
    assert outsider_client.post(flag_url(reply), {"reason": "spam"}).status_code == 403
    assert anon_client.post(flag_url(reply), {"reason": "spam"}).status_code == 302
    assert not Flag.objects.exists()


def test_flags_three_distinct_members_hide_the_post(cast, thread, reply):
    first, second, third = _member_clients(cast.public, 3)
    first.post(flag_url(reply), {"reason": "spam"})
    second.post(flag_url(reply), {"reason": "spam"})
    reply.refresh_from_db()
    assert reply.hidden_at is None
    assert Thread.objects.get(pk=thread.pk).post_count == 2

    third.post(flag_url(reply), {"reason": "inappropriate"})

    reply.refresh_from_db()
    assert reply.hidden_at is not None
    assert reply.hidden_by is None
    assert reply.hidden_reason == (
        "Hidden automatically: 3 members flagged it. A facilitator will review it."
    )
    assert Thread.objects.get(pk=thread.pk).post_count == 1
    assert _open_flags(reply) == 3
    events = AuditEvent.objects.filter(action="post.autohide")
    assert [(e.actor, e.target_id, e.details) for e in events] == [
        (None, str(reply.pk), {"flags": 3})
    ]


def test_flags_hidden_post_takes_no_more_flags_and_is_audited_once(cast, reply):
    clients = _member_clients(cast.public, 4)
    for client in clients[:3]:
        client.post(flag_url(reply), {"reason": "spam"})

    fourth = clients[3].post(flag_url(reply), {"reason": "spam"})

    # The post is no longer there for members to read: nothing to flag.
    assert fourth.status_code == 404
    assert _open_flags(reply) == 3
    assert AuditEvent.objects.filter(action="post.autohide").count() == 1


def test_flags_threshold_comes_from_the_community(cast, reply):
    Community.objects.filter(pk=cast.public.pk).update(flag_threshold=2)
    first, second = _member_clients(cast.public, 2)
    first.post(flag_url(reply), {"reason": "spam"})
    reply.refresh_from_db()
    assert reply.hidden_at is None

    second.post(flag_url(reply), {"reason": "spam"})

    reply.refresh_from_db()
    assert reply.hidden_at is not None
    assert "2 members flagged it" in reply.hidden_reason


def test_flags_threshold_of_zero_never_hides(cast, reply):
    Community.objects.filter(pk=cast.public.pk).update(flag_threshold=0)
    for client in _member_clients(cast.public, 4):
        client.post(flag_url(reply), {"reason": "spam"})

    reply.refresh_from_db()
    assert reply.hidden_at is None
    assert _open_flags(reply) == 4


def test_flags_author_is_told_why_the_post_was_hidden(cast, reply):
    for client in _member_clients(cast.public, 3):
        client.post(flag_url(reply), {"reason": "spam"})

    notice = Notification.objects.get(recipient=cast.organizer, verb="post.hide")
    assert "Opening a lesson" in notice.text
    assert "Hidden automatically: 3 members flagged it." in notice.text
    assert notice.url == f"/c/open-practice/p/{reply.pk}/"
    assert notice.read_at is None
    # Nobody else hears of the hiding; the author is not told who flagged.
    assert Notification.objects.filter(verb="post.hide").count() == 1
    assert notice.actor is None


def test_flags_facilitators_get_one_collapsed_queue_notice(cast, reply):
    for client in _member_clients(cast.public, 3):
        client.post(flag_url(reply), {"reason": "spam"})

    for facilitator in (cast.facilitator, cast.organizer):
        notices = Notification.objects.filter(recipient=facilitator, verb="moderation.queue")
        assert notices.count() == 1
        notice = notices.get()
        assert notice.read_at is None
        assert notice.count == 3
        assert notice.url == "/c/open-practice/facilitate/moderation/"
        assert "needs review" in notice.text
    assert not Notification.objects.filter(recipient=cast.member, verb="moderation.queue")


def test_flags_a_facilitator_sees_the_queue_notice_in_the_list(cast, reply, facilitator_client):
    _member_clients(cast.public, 1)[0].post(flag_url(reply), {"reason": "spam"})

    response = facilitator_client.get("/notifications/")

    assert "A post in “Opening a lesson” needs review: flagged by a member" in text(response)
    assert response.context["unread_notifications"] == 1


def test_flags_of_a_post_members_may_not_see_are_refused(cast, thread, reply, member_client):
    Thread.objects.filter(pk=thread.pk).update(hidden_at=reply.created_at)

    assert member_client.get(flag_url(reply)).status_code == 404
    assert member_client.post(flag_url(reply), {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()
