"""Hiding and restoring: a hidden post or thread leaks nowhere to those who may not see it, and
restoring brings back exactly what was there."""

from types import SimpleNamespace

import pytest
from django.test import Client

from communities.models import Activity, AuditEvent, Notification
from forums.models import Attachment, Post, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory, UserFactory
from tests.forums.factories import png_bytes, start_thread, upload
from tests.forums.helpers import hide_url, post_bodies, restore_url, row_of, tools_url

pytestmark = pytest.mark.django_db

PLACEHOLDER = "This post was hidden by the facilitators."
SECRET = "Zanzibar"  # a word only the reply to hide contains


@pytest.fixture
def scene(cast, thread, member_client, facilitator_client):
    """The member replies in the organizer's thread, mentioning Rosa, with a photo attached."""
    rosa = MembershipFactory(community=cast.public, user__display_name="Rosa Reader").user
    response = member_client.post(
        f"/c/open-practice/t/{thread.pk}/reply/",
        {
            "body": f"@{rosa.handle} the {SECRET} method is nonsense.",
            "attachments": [upload("evidence.png", png_bytes(), "image/png")],
        },
    )
    assert response.status_code == 302, response.status_code
    reply = Post.objects.get(thread=thread, number=2)
    rosa_client = Client()
    rosa_client.force_login(rosa)
    return SimpleNamespace(
        thread=thread,
        reply=reply,
        rosa=rosa,
        rosa_client=rosa_client,
        attachment=Attachment.objects.get(post=reply),
        member=member_client,
        facilitator=facilitator_client,
    )


def _hide(scene, reason: str = "A personal attack.") -> None:
    response = scene.facilitator.post(hide_url(scene.reply), {"reason": reason})
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/c/open-practice/p/{scene.reply.pk}/"


def _restore(scene) -> None:
    response = scene.facilitator.post(restore_url(scene.reply))
    assert response.status_code == 302, response.status_code


def _thread_page(client, thread) -> str:
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200, response.status_code
    return text(response)


def _found(client, word: str = SECRET) -> list[int]:
    response = client.get(f"/c/open-practice/search/?q={word}")
    assert response.status_code == 200
    page = response.context["page"]
    return [post.pk for post in page.object_list] if page is not None else []


def _feed_targets(client) -> set[tuple[str, int]]:
    feed = client.get("/c/open-practice/").context["feed"]
    return {(item.verb, item.target_id) for item in feed.object_list}


def _notices(client) -> tuple[list[str], int]:
    response = client.get("/notifications/")
    return (
        [item.verb for item in response.context["page"].object_list],
        response.context["unread_notifications"],
    )


def _counts(client, forum_slug: str = "lesson-studies") -> tuple[int, int, str]:
    """(threads, posts) of the forum on the forum list, and the thread's row on its forum."""
    forums = client.get("/c/open-practice/forums/").context["forums"]
    [forum] = [item for item in forums if item.slug == forum_slug]
    row = row_of(text(client.get(f"/c/open-practice/forums/{forum_slug}/")), "Opening a lesson")
    return forum.thread_count, forum.post_total, row


# --- Hiding a post ----------------------------------------------------------------------------


def test_hiding_a_post_keeps_it_with_who_and_why(cast, scene):
    _hide(scene)

    reply = Post.objects.get(pk=scene.reply.pk)
    assert reply.hidden_at is not None
    assert (reply.hidden_by, reply.hidden_reason) == (cast.facilitator, "A personal attack.")
    assert reply.body == f"@{scene.rosa.handle} the {SECRET} method is nonsense."
    assert Thread.objects.get(pk=scene.thread.pk).post_count == 1
    [event] = AuditEvent.objects.filter(action="post.hide")
    assert (event.actor, event.target_id, event.details) == (
        cast.facilitator,
        str(reply.pk),
        {"reason": "A personal attack."},
    )
    [notice] = Notification.objects.filter(recipient=cast.member, verb="post.hide")
    assert "was hidden by the facilitators: A personal attack." in notice.text


def test_hiding_needs_a_reason(cast, scene):
    response = scene.facilitator.post(hide_url(scene.reply), {"reason": "  "})

    assert response.status_code == 400
    assert Post.objects.get(pk=scene.reply.pk).hidden_at is None
    assert not AuditEvent.objects.filter(action="post.hide").exists()


def test_hiding_twice_writes_one_audit_row(cast, scene):
    _hide(scene)
    _hide(scene, reason="Again.")

    assert AuditEvent.objects.filter(action="post.hide").count() == 1
    assert Post.objects.get(pk=scene.reply.pk).hidden_reason == "A personal attack."


@pytest.mark.parametrize("reader", ["rosa", "anonymous", "outsider"])
def test_hiding_thread_page_shows_a_placeholder(cast, scene, client_for, reader):
    client = scene.rosa_client if reader == "rosa" else client_for(reader)
    assert SECRET in _thread_page(client, scene.thread)

    _hide(scene)

    page = _thread_page(client, scene.thread)
    assert PLACEHOLDER in page
    assert SECRET not in page
    assert "evidence.png" not in page
    assert "A personal attack." not in page
    assert post_bodies(page) == ["<p>How do you start?</p>\n"]


def test_hiding_quote_of_a_hidden_post_quotes_nothing(cast, scene):
    _hide(scene)

    response = scene.rosa_client.get(f"{scene.thread.get_absolute_url()}?quote={scene.reply.pk}")

    assert SECRET not in text(response)


def test_hiding_moderators_see_the_content_marked_hidden(cast, scene, client_for):
    _hide(scene)

    for principal in ("facilitator", "organizer"):
        page = _thread_page(client_for(principal), scene.thread)
        assert SECRET in page
        assert "Hidden by Fatou Facilitator: A personal attack." in page
        assert PLACEHOLDER not in page
        assert f"/c/open-practice/p/{scene.reply.pk}/restore/" in page


def test_hiding_author_sees_their_post_with_the_reason(cast, scene):
    _hide(scene)

    page = _thread_page(scene.member, scene.thread)
    assert SECRET in page
    assert "Hidden by Fatou Facilitator: A personal attack." in page
    assert f"/c/open-practice/p/{scene.reply.pk}/restore/" not in page


def test_hiding_drops_the_counts_of_lists(cast, scene):
    threads, posts, row = _counts(scene.rosa_client)
    assert (threads, posts) == (1, 2)
    assert "1 reply" in row

    _hide(scene)

    threads, posts, row = _counts(scene.rosa_client)
    assert (threads, posts) == (1, 1)
    assert "0 replies" in row


def test_hiding_removes_the_post_from_search_for_everyone(cast, scene, client_for):
    clients = [scene.rosa_client, scene.member, client_for("anonymous"), scene.facilitator]
    assert all(_found(client) == [scene.reply.pk] for client in clients)

    _hide(scene)

    assert all(_found(client) == [] for client in clients)


def test_hiding_removes_the_activity_from_the_feed(cast, scene, client_for):
    activity = ("post.create", scene.reply.pk)
    assert activity in _feed_targets(client_for("anonymous"))

    _hide(scene)

    for client in (client_for("anonymous"), scene.rosa_client, scene.facilitator):
        assert activity not in _feed_targets(client)
    assert Activity.objects.get(verb="post.create").is_hidden


def test_hiding_removes_the_mention_from_notifications(cast, scene):
    assert _notices(scene.rosa_client) == (["post.mention"], 1)

    _hide(scene)

    assert _notices(scene.rosa_client) == ([], 0)


def test_hiding_serves_the_attachment_to_author_and_moderators_only(cast, scene, client_for):
    url = f"/c/open-practice/attachments/{scene.attachment.pk}/"
    _hide(scene)

    assert scene.rosa_client.get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404
    assert scene.member.get(url).status_code == 200
    assert scene.facilitator.get(url).status_code == 200


def test_hiding_revisions_are_not_found_by_others(cast, scene, client_for):
    scene.member.post(f"/c/open-practice/p/{scene.reply.pk}/edit/", {"body": "Softer words."})
    url = f"/c/open-practice/p/{scene.reply.pk}/revisions/"
    assert scene.rosa_client.get(url).status_code == 200
    _hide(scene)

    assert scene.rosa_client.get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 404
    assert scene.member.get(url).status_code == 200
    assert SECRET in text(scene.facilitator.get(url))


# --- Restoring a post -------------------------------------------------------------------------


def test_restoring_brings_everything_back(cast, scene, client_for):
    before_page = post_bodies(_thread_page(scene.rosa_client, scene.thread))
    before_counts = _counts(scene.rosa_client)
    _hide(scene)

    _restore(scene)

    reply = Post.objects.get(pk=scene.reply.pk)
    assert (reply.hidden_at, reply.hidden_by, reply.hidden_reason) == (None, None, "")
    assert post_bodies(_thread_page(scene.rosa_client, scene.thread)) == before_page
    assert _counts(scene.rosa_client) == before_counts
    assert Thread.objects.get(pk=scene.thread.pk).post_count == 2
    assert _found(scene.rosa_client) == [reply.pk]
    assert ("post.create", reply.pk) in _feed_targets(client_for("anonymous"))
    assert _notices(scene.rosa_client) == (["post.mention"], 1)
    url = f"/c/open-practice/attachments/{scene.attachment.pk}/"
    assert scene.rosa_client.get(url).status_code == 200
    [event] = AuditEvent.objects.filter(action="post.restore")
    assert (event.actor, event.target_id) == (cast.facilitator, str(reply.pk))
    assert Notification.objects.filter(recipient=cast.member, verb="post.restore").count() == 1


def test_restoring_a_visible_post_changes_nothing(cast, scene):
    _restore(scene)

    assert not AuditEvent.objects.filter(action="post.restore").exists()
    assert Thread.objects.get(pk=scene.thread.pk).post_count == 2


def test_hiding_and_restoring_are_refused_to_members(cast, scene):
    assert scene.rosa_client.post(hide_url(scene.reply), {"reason": "x"}).status_code == 403
    _hide(scene)
    assert scene.member.post(restore_url(scene.reply)).status_code == 403
    assert Post.objects.get(pk=scene.reply.pk).hidden_at is not None


# --- Hiding a thread --------------------------------------------------------------------------


@pytest.fixture
def members_thread(cast, forum):
    return start_thread(forum, cast.member, title="Grading rubrics", body=f"The {SECRET} rubric.")


def _hide_thread(client, thread) -> None:
    response = client.post(tools_url(thread), {"action": "hide", "reason": "Off-topic."})
    assert response.status_code == 302, response.status_code


def test_hiding_a_thread_hides_it_from_members_but_its_author(
    cast, members_thread, client_for, facilitator_client
):
    rosa = Client()
    rosa.force_login(MembershipFactory(community=cast.public).user)
    url = members_thread.get_absolute_url()
    post = members_thread.posts.get()

    _hide_thread(facilitator_client, members_thread)

    thread = Thread.objects.get(pk=members_thread.pk)
    assert (thread.hidden_by, thread.hidden_reason) == (cast.facilitator, "Off-topic.")
    assert rosa.get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 404
    assert rosa.get(f"/c/open-practice/p/{post.pk}/").status_code == 404
    assert client_for("member").get(url).status_code == 200
    assert facilitator_client.get(url).status_code == 200
    assert "Grading rubrics" not in text(rosa.get("/c/open-practice/latest/"))
    assert "Grading rubrics" not in text(rosa.get("/c/open-practice/forums/"))
    assert _found(rosa) == []
    assert _found(client_for("member")) == []
    assert ("thread.create", thread.pk) not in _feed_targets(rosa)
    assert AuditEvent.objects.filter(action="thread.hide").count() == 1
    assert Notification.objects.filter(recipient=cast.member, verb="thread.hide").count() == 1


def test_restoring_a_thread_brings_it_back(cast, members_thread, client_for, facilitator_client):
    rosa = Client()
    rosa.force_login(UserFactory())
    _hide_thread(facilitator_client, members_thread)

    response = facilitator_client.post(tools_url(members_thread), {"action": "restore"})

    assert response.status_code == 302
    url = members_thread.get_absolute_url()
    assert SECRET in text(rosa.get(url))
    assert "Grading rubrics" in text(rosa.get("/c/open-practice/latest/"))
    assert _found(rosa) == [members_thread.posts.get().pk]
    assert ("thread.create", members_thread.pk) in _feed_targets(rosa)
    assert AuditEvent.objects.filter(action="thread.restore").count() == 1
    assert not AuditEvent.objects.filter(action="thread.hide", details={}).exists()
