"""Subscriptions: watchers hear of replies (collapsed while unread), muted people hear nothing,
forum watchers hear of new threads, and the forms change the level."""

import pytest

from communities.models import Membership, Notification
from forums.models import Subscription
from tests.communities.helpers import after_redirect, text
from tests.factories import MembershipFactory
from tests.forums.factories import start_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def watched(cast, forum):
    """A thread the member started, so watches."""
    return start_thread(forum, cast.member, title="Exit tickets")


def _reply(client, thread, body: str = "Here is what I do.") -> None:
    response = client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": body})
    assert response.status_code == 302, response.status_code


def _replies_to(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, verb="post.reply"))


def test_subscriptions_watcher_is_told_of_a_reply(cast, watched, facilitator_client):
    _reply(facilitator_client, watched)

    [notice] = _replies_to(cast.member)
    assert notice.text == "Fatou Facilitator replied in “Exit tickets”."
    assert notice.count == 1
    assert notice.url == f"/c/open-practice/t/{watched.pk}/?unread=1"
    assert (notice.actor, notice.community) == (cast.facilitator, cast.public)
    assert not _replies_to(cast.facilitator)  # never told of one's own reply


def test_subscriptions_replies_collapse_while_unread(cast, watched, client_for):
    _reply(client_for("facilitator"), watched)
    _reply(client_for("organizer"), watched)

    [notice] = _replies_to(cast.member)
    assert notice.count == 2
    assert notice.text == "2 new replies in “Exit tickets”."
    assert notice.actor == cast.organizer
    assert notice.read_at is None

    _reply(client_for("facilitator"), watched)

    [notice] = _replies_to(cast.member)
    assert (notice.count, notice.text) == (3, "3 new replies in “Exit tickets”.")


def test_subscriptions_new_notice_after_the_last_one_was_read(cast, watched, client_for):
    member = client_for("member")
    _reply(client_for("facilitator"), watched)
    _reply(client_for("organizer"), watched)
    [first] = _replies_to(cast.member)
    opened = member.get(f"/notifications/{first.pk}/open/")
    assert opened["Location"] == f"/c/open-practice/t/{watched.pk}/?unread=1"

    _reply(client_for("facilitator"), watched)

    first.refresh_from_db()
    assert first.read_at is not None
    assert (first.count, first.text) == (2, "2 new replies in “Exit tickets”.")
    unread = [notice for notice in _replies_to(cast.member) if notice.read_at is None]
    assert len(unread) == 1
    assert (unread[0].count, unread[0].text) == (
        1,
        "Fatou Facilitator replied in “Exit tickets”.",
    )


def test_subscriptions_repliers_watch_the_thread(cast, watched, client_for):
    _reply(client_for("facilitator"), watched)

    _reply(client_for("organizer"), watched)

    assert Subscription.objects.get(user=cast.facilitator, thread=watched).level == "watching"
    assert len(_replies_to(cast.facilitator)) == 1


def test_subscriptions_muted_watcher_hears_nothing(cast, watched, client_for):
    member = client_for("member")
    member.post(f"/c/open-practice/t/{watched.pk}/subscription/", {"level": "muted"})

    _reply(client_for("facilitator"), watched)
    _reply(member, watched, "My own reply keeps it muted.")
    _reply(client_for("organizer"), watched)

    assert Subscription.objects.get(user=cast.member, thread=watched).level == "muted"
    assert not Notification.objects.filter(recipient=cast.member).exists()


def test_subscriptions_normal_level_hears_no_replies(cast, watched, client_for):
    client_for("member").post(f"/c/open-practice/t/{watched.pk}/subscription/", {"level": "normal"})

    _reply(client_for("facilitator"), watched)

    assert not _replies_to(cast.member)


def test_subscriptions_suspended_watcher_hears_nothing(cast, watched, client_for):
    Membership.objects.filter(community=cast.public, user=cast.member).update(
        state=Membership.State.SUSPENDED
    )

    _reply(client_for("facilitator"), watched)

    assert not _replies_to(cast.member)


def test_subscriptions_forum_watcher_hears_of_new_threads(cast, forum, client_for):
    member = client_for("member")
    response = member.post(
        f"/c/open-practice/forums/{forum.slug}/subscription/", {"level": "watching"}
    )
    assert "Your notification setting for this forum is saved." in after_redirect(member, response)
    bystander = MembershipFactory(community=cast.public).user

    client_for("facilitator").post(
        f"/c/open-practice/forums/{forum.slug}/new/",
        {"title": "Seating plans", "body": "Who decides where pupils sit?"},
    )

    [notice] = Notification.objects.filter(recipient=cast.member, verb="thread.create")
    assert notice.text == "Fatou Facilitator started “Seating plans” in Lesson studies."
    assert notice.url == f"/c/open-practice/t/{forum.threads.get().pk}/"
    assert not Notification.objects.filter(recipient=bystander).exists()
    assert not Notification.objects.filter(recipient=cast.facilitator).exists()


def test_subscriptions_forum_watcher_is_not_told_of_their_own_thread(cast, forum, member_client):
    member_client.post(f"/c/open-practice/forums/{forum.slug}/subscription/", {"level": "watching"})

    member_client.post(
        f"/c/open-practice/forums/{forum.slug}/new/", {"title": "My question", "body": "Well?"}
    )

    assert not Notification.objects.filter(recipient=cast.member).exists()


def test_subscriptions_thread_form_changes_the_level(cast, watched, member_client):
    url = f"/c/open-practice/t/{watched.pk}/subscription/"
    page = text(member_client.get(watched.get_absolute_url()))
    assert '<option value="watching" selected>' in page

    response = member_client.post(url, {"level": "normal"})

    assert response.status_code == 302
    assert response["Location"] == watched.get_absolute_url()
    page = after_redirect(member_client, response)
    assert "Your notification setting for this thread is saved." in page
    assert '<option value="normal" selected>' in page
    assert Subscription.objects.get(user=cast.member, thread=watched).level == "normal"


def test_subscriptions_thread_form_refuses_an_unknown_level(cast, watched, member_client):
    member_client.post(f"/c/open-practice/t/{watched.pk}/subscription/", {"level": "loud"})

    assert Subscription.objects.get(user=cast.member, thread=watched).level == "watching"


def test_subscriptions_forum_form_changes_the_level(cast, forum, member_client):
    url = f"/c/open-practice/forums/{forum.slug}/subscription/"

    member_client.post(url, {"level": "watching"})
    assert Subscription.objects.get(user=cast.member, forum=forum).level == "watching"
    member_client.post(url, {"level": "muted"})

    assert Subscription.objects.get(user=cast.member, forum=forum).level == "muted"
    page = text(member_client.get(forum.get_absolute_url()))
    assert '<option value="muted" selected>' in page
