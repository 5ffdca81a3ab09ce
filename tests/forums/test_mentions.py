"""Mentions: @handle of a member links to them and tells them, once; nobody else is told."""

import pytest

from communities.models import Membership, Notification
from forums.models import Post
from tests.communities.helpers import text
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBER_LINK = (
    '<a class="mention" href="/c/open-practice/members/?q=mateo-member" '
    'rel="nofollow noopener noreferrer ugc">@mateo-member</a>'
)


def _reply(client, thread, body: str, **extra):
    response = client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": body}, **extra)
    assert response.status_code == 302, response.status_code
    return Post.objects.get(thread=thread, number=thread.posts.count())


def _mentions_of(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, verb="post.mention"))


def test_mentions_member_is_linked_and_told_once(cast, thread, facilitator_client):
    assert cast.member.handle == "mateo-member"

    post = _reply(facilitator_client, thread, "@mateo-member, what do you think, @Mateo-Member?")

    assert post.body_html.count(MEMBER_LINK) == 1
    assert "@Mateo-Member</a>" in post.body_html
    [notice] = _mentions_of(cast.member)
    assert notice.text == "Fatou Facilitator mentioned you in “Opening a lesson”."
    assert notice.url == f"/c/open-practice/p/{post.pk}/"
    assert (notice.actor, notice.community, notice.read_at) == (cast.facilitator, cast.public, None)
    assert MEMBER_LINK in text(facilitator_client.get(thread.get_absolute_url()))


def test_mentions_a_watcher_is_told_of_the_mention_not_also_of_the_reply(
    cast, thread, member_client, facilitator_client
):
    _reply(member_client, thread, "I am watching this now.")

    _reply(facilitator_client, thread, "Over to you, @mateo-member.")

    assert [n.verb for n in Notification.objects.filter(recipient=cast.member)] == ["post.mention"]


def test_mentions_in_the_first_post_of_a_thread(cast, forum, facilitator_client):
    response = facilitator_client.post(
        f"/c/open-practice/forums/{forum.slug}/new/",
        {"title": "A question for Mateo", "body": "@mateo-member, how do you open?"},
    )

    assert response.status_code == 302
    [notice] = _mentions_of(cast.member)
    assert notice.text == "Fatou Facilitator mentioned you in “A question for Mateo”."


def test_mentions_of_oneself_tell_no_one(cast, thread, member_client):
    post = _reply(member_client, thread, "Note to self, @mateo-member: try it.")

    assert MEMBER_LINK in post.body_html
    assert not Notification.objects.filter(verb="post.mention").exists()


@pytest.mark.parametrize("handle", ["ona-outsider", "otto-othermember", "nobody-at-all"])
def test_mentions_of_people_outside_the_community_tell_no_one(cast, thread, member_client, handle):
    assert {cast.outsider.handle, cast.other_member.handle} == {"ona-outsider", "otto-othermember"}

    post = _reply(member_client, thread, f"Ask @{handle} about it.")

    assert 'class="mention"' not in post.body_html
    assert f"Ask @{handle} about it." in post.body_html
    assert not Notification.objects.filter(verb="post.mention").exists()


def test_mentions_of_a_suspended_member_tell_no_one(cast, thread, member_client):
    suspended = MembershipFactory(
        community=cast.public,
        user=UserFactory(display_name="Sid Suspended"),
        state=Membership.State.SUSPENDED,
    ).user

    post = _reply(member_client, thread, "What did @sid-suspended say?")

    assert suspended.handle == "sid-suspended"
    assert 'class="mention"' not in post.body_html
    assert not Notification.objects.filter(recipient=suspended).exists()


def test_mentions_inside_code_are_ignored(cast, thread, facilitator_client):
    body = "Type `@mateo-member` to mention.\n\n```\nping @mateo-member\n```\n\n    @mateo-member"

    post = _reply(facilitator_client, thread, body)

    assert 'class="mention"' not in post.body_html
    assert "<code>@mateo-member</code>" in post.body_html
    assert not _mentions_of(cast.member)


def test_mentions_inside_a_link_or_an_address_are_ignored(cast, thread, facilitator_client):
    post = _reply(
        facilitator_client,
        thread,
        "[ask @mateo-member](https://example.org/) or write to mateo@mateo-member.example",
    )

    assert 'class="mention"' not in post.body_html
    assert not _mentions_of(cast.member)


def test_mentions_in_a_muted_thread_tell_no_one(cast, thread, member_client, facilitator_client):
    muted = member_client.post(f"/c/open-practice/t/{thread.pk}/subscription/", {"level": "muted"})
    assert muted.status_code == 302

    post = _reply(facilitator_client, thread, "@mateo-member, are you there?")

    assert MEMBER_LINK in post.body_html
    assert not Notification.objects.filter(recipient=cast.member).exists()


# --- Suggestions -----------------------------------------------------------------------------


def _suggested(client, typed: str) -> list[str]:
    response = client.get("/c/open-practice/mentions/", {"q": typed})
    assert response.status_code == 200
    page = text(response)
    return sorted(part.split('"', 1)[0] for part in page.split('data-handle="')[1:])


def test_mentions_suggestions_by_handle_and_by_name(cast, member_client):
    MembershipFactory(
        community=cast.public, user=UserFactory(display_name="Zoé Teacher", handle="zt-maths")
    )

    assert _suggested(member_client, "@mat") == ["mateo-member"]
    assert _suggested(member_client, "zt") == ["zt-maths"]
    assert _suggested(member_client, "zoé") == ["zt-maths"]
    assert _suggested(member_client, "F") == ["fatou-facilitator"]


def test_mentions_suggestions_list_active_members_only(cast, member_client):
    MembershipFactory(
        community=cast.public,
        user=UserFactory(display_name="Oscar Suspended"),
        state=Membership.State.SUSPENDED,
    )
    MembershipFactory(community=cast.private, user=UserFactory(display_name="Oriane Private"))

    assert _suggested(member_client, "o") == ["olga-organizer"]
    assert _suggested(member_client, "ona") == []
    assert _suggested(member_client, "otto") == []
    assert _suggested(member_client, "sam") == []


def test_mentions_suggestions_need_something_typed(cast, member_client):
    assert _suggested(member_client, "") == []
    assert _suggested(member_client, "@") == []


def test_mentions_suggestions_are_refused_to_outsiders(cast, outsider_client):
    response = outsider_client.get("/c/open-practice/mentions/", {"q": "mat"})

    assert response.status_code == 403
    assert "mateo-member" not in text(response)
