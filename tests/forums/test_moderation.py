"""Rate limits of the forums: posting and flagging, per member and minute, set by the community."""

import pytest

from communities.models import Community
from forums.models import Flag, Post, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.factories import add_replies
from tests.forums.helpers import flag_url

pytestmark = pytest.mark.django_db

POSTED_TOO_MUCH = "You have posted 2 messages in the last minute: please wait a moment"
FLAGGED_TOO_MUCH = "You have flagged 2 posts in the last minute: please wait a moment."


def test_moderation_third_reply_within_a_minute_is_refused(cast, thread, member_client):
    Community.objects.filter(pk=cast.public.pk).update(post_rate_limit=2)
    url = f"/c/open-practice/t/{thread.pk}/reply/"
    for number in range(2):
        assert member_client.post(url, {"body": f"Reply {number}"}).status_code == 302

    response = member_client.post(url, {"body": "My carefully written third reply."})

    assert response.status_code == 400
    page = text(response)
    assert POSTED_TOO_MUCH in page
    assert "My carefully written third reply." in page
    assert Post.objects.filter(thread=thread).count() == 3
    assert Thread.objects.get(pk=thread.pk).post_count == 3


def test_moderation_third_thread_within_a_minute_is_refused(cast, forum, member_client):
    Community.objects.filter(pk=cast.public.pk).update(post_rate_limit=2)
    url = "/c/open-practice/forums/lesson-studies/new/"
    for number in range(2):
        data = {"title": f"Question {number}", "body": "Body."}
        assert member_client.post(url, data).status_code == 302

    response = member_client.post(url, {"title": "Third question", "body": "Kept body."})

    assert response.status_code == 400
    page = text(response)
    assert POSTED_TOO_MUCH in page
    assert "Kept body." in page
    assert 'value="Third question"' in page
    assert not Thread.objects.filter(title="Third question").exists()


def test_moderation_post_rate_limit_is_per_member(cast, thread, member_client, client_for):
    Community.objects.filter(pk=cast.public.pk).update(post_rate_limit=2)
    url = f"/c/open-practice/t/{thread.pk}/reply/"
    for number in range(2):
        member_client.post(url, {"body": f"Reply {number}"})

    response = client_for("facilitator").post(url, {"body": "Mine."})

    assert response.status_code == 302


def test_moderation_third_flag_within_a_minute_is_refused(cast, thread, member_client):
    Community.objects.filter(pk=cast.public.pk).update(flag_rate_limit=2)
    author = MembershipFactory(community=cast.public).user
    posts = add_replies(thread, [author], 3)
    for post in posts[:2]:
        assert member_client.post(flag_url(post), {"reason": "spam"}).status_code == 302

    response = member_client.post(
        flag_url(posts[2]), {"reason": "other", "text": "Looks like a copied advert."}
    )

    assert response.status_code == 400
    page = text(response)
    assert FLAGGED_TOO_MUCH in page
    assert "Looks like a copied advert." in page
    assert Flag.objects.count() == 2
    assert not Flag.objects.filter(post=posts[2]).exists()
