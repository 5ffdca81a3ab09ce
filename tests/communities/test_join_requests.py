import pytest
from django.utils import translation

from communities.models import AuditEvent, JoinRequest, Membership, Notification
from tests.communities.helpers import after_redirect, htmx, text
from tests.factories import JoinRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(db):
    return UserFactory(display_name="Rita Requester")


@pytest.fixture
def join_request(cast, requester):
    return JoinRequestFactory(community=cast.private, user=requester)


def _decide(client, join_request, decision, reply="", **headers):
    return client.post(
        f"/c/closed-circle/requests/{join_request.pk}/",
        {"decision": decision, "reply": reply},
        **headers,
    )


def test_join_requests_page_lists_pending_requests_to_facilitators(
    join_request, facilitator_client
):
    response = facilitator_client.get("/c/closed-circle/requests/")

    assert response.status_code == 200
    page = text(response)
    assert "Rita Requester" in page
    assert "lesson studies" in page
    assert f'id="request-{join_request.pk}"' in page


def test_join_requests_approve_makes_a_member_and_tells_the_requester(
    cast, join_request, requester, facilitator_client
):
    response = _decide(facilitator_client, join_request, "approve")

    assert response.status_code == 302
    assert response["Location"] == "/c/closed-circle/requests/"
    assert "Rita Requester is now a member." in after_redirect(facilitator_client, response)
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.APPROVED
    assert join_request.decided_by == cast.facilitator
    assert join_request.decided_at is not None
    membership = Membership.objects.get(community=cast.private, user=requester)
    assert membership.role == Membership.Role.MEMBER and membership.is_active
    notification = Notification.objects.get(recipient=requester)
    assert notification.verb == "join_request.approve"
    assert notification.url == "/c/closed-circle/"
    assert notification.actor == cast.facilitator
    assert "Closed Circle" in notification.text


def test_join_requests_approval_is_told_in_the_readers_language_when_read(
    cast, join_request, requester, facilitator_client
):
    _decide(facilitator_client, join_request, "approve", HTTP_ACCEPT_LANGUAGE="en")

    notification = Notification.objects.get(recipient=requester)
    # The row keeps the event and its parameters, not a sentence in the writer's language.
    assert notification.summary == ""
    assert notification.params["community_name"] == "Closed Circle"
    with translation.override("fr"):
        assert notification.text == (
            "Bienvenue ! Votre demande pour rejoindre Closed Circle a été approuvée."
        )
    with translation.override("en"):
        assert notification.text == "Welcome! Your request to join Closed Circle was approved."
    assert notification.verb == "join_request.approve"
    assert notification.url == "/c/closed-circle/"


def test_join_requests_decline_with_a_reply_tells_the_requester(
    cast, join_request, requester, facilitator_client
):
    reply = "We only take practising teachers for now."

    response = _decide(facilitator_client, join_request, "decline", reply=f"  {reply}  ")

    assert response.status_code == 302
    assert "The request of Rita Requester was declined." in after_redirect(
        facilitator_client, response
    )
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.DECLINED
    assert join_request.reply == reply
    assert not Membership.objects.filter(community=cast.private, user=requester).exists()
    notification = Notification.objects.get(recipient=requester)
    assert notification.verb == "join_request.decline"
    assert reply in notification.text
    assert "Closed Circle" in notification.text
    assert "Fatou Facilitator" in notification.text


def test_join_requests_answering_twice_is_a_no_op(
    cast, join_request, requester, facilitator_client, organizer_client
):
    _decide(facilitator_client, join_request, "approve")

    response = _decide(organizer_client, join_request, "decline", reply="Changed my mind.")

    assert "This request had already been answered." in after_redirect(organizer_client, response)
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.APPROVED
    assert join_request.decided_by == cast.facilitator
    assert join_request.reply == ""
    assert Membership.objects.filter(community=cast.private, user=requester).exists()
    assert Notification.objects.filter(recipient=requester).count() == 1
    assert AuditEvent.objects.filter(action__startswith="join_request.").count() == 1


def test_join_requests_member_cannot_decide(cast, join_request, requester, member_client):
    page = member_client.get("/c/closed-circle/requests/")
    response = _decide(member_client, join_request, "approve")

    assert page.status_code == 403
    assert response.status_code == 403
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.PENDING
    assert not Membership.objects.filter(community=cast.private, user=requester).exists()
    assert not AuditEvent.objects.exists()


def test_join_requests_outsider_does_not_learn_the_community_exists(join_request, outsider_client):
    assert outsider_client.get("/c/closed-circle/requests/").status_code == 404
    assert _decide(outsider_client, join_request, "approve").status_code == 404
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.PENDING


def test_join_requests_request_of_another_community_is_404(cast, requester, facilitator_client):
    elsewhere = JoinRequestFactory(community=cast.other, user=requester)

    response = _decide(facilitator_client, elsewhere, "approve")

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == JoinRequest.State.PENDING


@pytest.mark.parametrize(
    ("decision", "action"),
    [("approve", "join_request.approve"), ("decline", "join_request.decline")],
)
def test_join_requests_decision_writes_exactly_one_audit_event(
    cast, join_request, requester, facilitator_client, decision, action
):
    _decide(facilitator_client, join_request, decision, reply="Thanks for writing.")

    event = AuditEvent.objects.get()
    assert event.action == action
    assert event.actor == cast.facilitator
    assert event.community == cast.private
    assert event.target_id == str(requester.pk)
    assert event.details == {"reply": "Thanks for writing."}
    assert event.ip == "127.0.0.1"


def test_join_requests_htmx_decision_returns_the_row_fragment(
    cast, join_request, requester, facilitator_client
):
    response = _decide(
        facilitator_client, join_request, "approve", **htmx(f"request-{join_request.pk}")
    )

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<li class="card mb-3 join-request" id="request-')
    assert f'id="request-{join_request.pk}"' in fragment
    assert "Approved: now a member." in fragment
    assert "<html" not in fragment and "<form" not in fragment
    assert Membership.objects.filter(community=cast.private, user=requester).exists()


def test_join_requests_invalid_decision_changes_nothing(join_request, facilitator_client):
    response = _decide(facilitator_client, join_request, "maybe")

    assert "Choose approve or decline." in after_redirect(facilitator_client, response)
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.PENDING
    assert not AuditEvent.objects.exists()
