import pytest

from communities.models import Activity, Community, JoinRequest, Membership, Notification
from tests.communities.helpers import after_redirect, text
from tests.factories import CommunityFactory, JoinRequestFactory

pytestmark = pytest.mark.django_db

MESSAGE = "I coordinate the maths department and would like to compare lesson studies."


def _request_url(community: Community) -> str:
    return f"/c/{community.slug}/join/?key={community.join_key}"


def test_join_open_community_makes_a_member_at_once(cast, outsider_client):
    response = outsider_client.post("/c/open-practice/join/")

    assert response.status_code == 302
    assert response["Location"] == "/c/open-practice/"
    membership = Membership.objects.get(community=cast.public, user=cast.outsider)
    assert membership.role == Membership.Role.MEMBER
    assert membership.is_active
    activity = Activity.objects.get(community=cast.public, verb="member.join")
    assert activity.actor == cast.outsider
    assert "Welcome to Open Practice!" in after_redirect(outsider_client, response)


def test_join_anonymous_is_sent_to_log_in_and_nothing_is_created(cast, anon_client):
    response = anon_client.post("/c/open-practice/join/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Membership.objects.filter(community=cast.public).count() == 3


def test_join_open_community_offers_a_join_button(cast, outsider_client):
    page = text(outsider_client.get("/c/open-practice/"))

    assert 'href="/c/open-practice/join/"' in page


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "This field is required."),
        ("   hi   ", "Please write at least a sentence (10 characters or more)."),
    ],
)
def test_join_request_needs_a_message(cast, outsider_client, message, error):
    response = outsider_client.post(
        "/c/closed-circle/join/", {"key": cast.private.join_key, "message": message}
    )

    assert response.status_code == 400
    assert error in text(response)
    assert not JoinRequest.objects.filter(user=cast.outsider).exists()
    assert not Membership.objects.filter(community=cast.private, user=cast.outsider).exists()


def test_join_request_empty_post_shows_the_missing_message(cast, login):
    community = CommunityFactory(slug="ask-first", join_policy=Community.JoinPolicy.REQUEST)

    response = login(cast.outsider).post("/c/ask-first/join/")

    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not JoinRequest.objects.filter(community=community).exists()


def test_join_request_creates_one_pending_request_and_notifies_facilitators(cast, outsider_client):
    response = outsider_client.post(
        "/c/closed-circle/join/", {"key": cast.private.join_key, "message": MESSAGE}
    )

    # The outsider still cannot see the private community: back to the front page.
    assert response.status_code == 302
    assert response["Location"] == "/"
    join_request = JoinRequest.objects.get(community=cast.private, user=cast.outsider)
    assert join_request.state == JoinRequest.State.PENDING
    assert join_request.message == MESSAGE
    assert not Membership.objects.filter(community=cast.private, user=cast.outsider).exists()
    notified = Notification.objects.filter(verb="join_request.create", community=cast.private)
    assert {n.recipient for n in notified} == {cast.organizer, cast.facilitator}
    assert all(n.url == "/c/closed-circle/requests/" for n in notified)
    assert all("Ona Outsider" in n.text for n in notified)
    assert "Your request has been sent." in after_redirect(outsider_client, response)


def test_join_request_second_one_while_pending_is_refused(cast, outsider_client):
    url = _request_url(cast.private)
    outsider_client.post(url, {"message": MESSAGE})

    response = outsider_client.post(url, {"message": "Please, please, please let me in!"})

    assert response.status_code == 400
    page = text(response)
    assert "You have already asked to join; the facilitators will answer soon." in page
    assert "You asked to join on" in page
    assert "Withdraw my request" in page
    assert JoinRequest.objects.filter(user=cast.outsider).count() == 1
    assert JoinRequest.objects.get(user=cast.outsider).message == MESSAGE
    # No flood: the facilitators were told once.
    assert Notification.objects.filter(verb="join_request.create").count() == 2


def test_join_request_page_of_a_private_community_needs_its_key(cast, outsider_client):
    assert outsider_client.get("/c/closed-circle/join/").status_code == 404
    assert outsider_client.get("/c/closed-circle/join/?key=wrong").status_code == 404
    response = outsider_client.post("/c/closed-circle/join/", {"message": MESSAGE})

    assert response.status_code == 404
    assert not JoinRequest.objects.exists()
    assert outsider_client.get(_request_url(cast.private)).status_code == 200


def test_join_public_community_on_request_asks_and_shows_the_pending_state(cast, login):
    community = CommunityFactory(slug="ask-first", join_policy=Community.JoinPolicy.REQUEST)
    client = login(cast.outsider)

    response = client.post("/c/ask-first/join/", {"message": MESSAGE})

    assert response.status_code == 302
    assert response["Location"] == "/c/ask-first/"
    assert JoinRequest.objects.filter(community=community, state="pending").count() == 1
    page = text(client.get("/c/ask-first/"))
    assert "Your request is pending" in page
    assert 'href="/c/ask-first/join/"' not in page


def test_join_invite_only_shows_no_button_and_post_creates_nothing(cast, login):
    community = CommunityFactory(slug="by-invitation", join_policy=Community.JoinPolicy.INVITE)
    client = login(cast.outsider)

    home = text(client.get("/c/by-invitation/"))
    response = client.post("/c/by-invitation/join/", {"message": MESSAGE})

    assert 'href="/c/by-invitation/join/"' not in home
    assert ">Join<" not in home and "Ask to join" not in home
    assert response.status_code == 400
    assert "open by invitation only" in text(response)
    assert not Membership.objects.filter(community=community, user=cast.outsider).exists()
    assert not JoinRequest.objects.filter(community=community).exists()


def test_join_withdraw_takes_back_the_pending_request(cast, outsider_client):
    join_request = JoinRequestFactory(community=cast.private, user=cast.outsider)

    response = outsider_client.post("/c/closed-circle/join/withdraw/")

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.WITHDRAWN
    assert join_request.decided_at is not None
    assert "Your request has been withdrawn." in after_redirect(outsider_client, response)
    # Withdrawn, the person may ask again.
    outsider_client.post(_request_url(cast.private), {"message": MESSAGE})
    assert JoinRequest.objects.filter(user=cast.outsider, state="pending").count() == 1


def test_join_withdraw_without_a_pending_request_is_404(cast, outsider_client):
    JoinRequestFactory(community=cast.private, user=cast.member, state="pending")

    response = outsider_client.post("/c/closed-circle/join/withdraw/")

    assert response.status_code == 404
    assert JoinRequest.objects.get(user=cast.member).state == JoinRequest.State.PENDING


@pytest.mark.parametrize("policy", [Community.JoinPolicy.OPEN, Community.JoinPolicy.REQUEST])
def test_join_archived_community_refuses(cast, login, policy):
    community = CommunityFactory(
        slug="finished", join_policy=policy, status=Community.Status.ARCHIVED
    )
    client = login(cast.outsider)

    home = text(client.get("/c/finished/"))
    response = client.post("/c/finished/join/", {"message": MESSAGE})

    assert 'href="/c/finished/join/"' not in home
    assert response.status_code == 400
    assert "This community is archived and does not accept new members." in text(response)
    assert not Membership.objects.filter(community=community, user=cast.outsider).exists()
    assert not JoinRequest.objects.filter(community=community).exists()


def test_join_member_already_in_is_sent_to_the_community(cast, member_client):
    response = member_client.post("/c/open-practice/join/")

    assert response.status_code == 302
    assert response["Location"] == "/c/open-practice/"
    assert Membership.objects.filter(community=cast.public, user=cast.member).count() == 1
    assert not Activity.objects.filter(verb="member.join").exists()
