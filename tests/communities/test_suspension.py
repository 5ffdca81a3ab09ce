import pytest

from communities.models import AuditEvent, Membership, Notification
from tests.communities.helpers import after_redirect, htmx, text
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "Repeated personal attacks in the forum, after two warnings."


def _membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)


def _suspend(client, membership, reason=REASON):
    data = {} if reason is None else {"reason": reason}
    return client.post(f"/c/{membership.community.slug}/members/{membership.pk}/suspend/", data)


@pytest.fixture
def suspended(cast, facilitator_client):
    membership = _membership(cast.private, cast.member)
    _suspend(facilitator_client, membership)
    membership.refresh_from_db()
    return membership


def test_suspension_facilitator_suspends_a_member_with_a_reason(cast, facilitator_client):
    membership = _membership(cast.private, cast.member)

    form = facilitator_client.get(f"/c/closed-circle/members/{membership.pk}/suspend/")
    response = _suspend(facilitator_client, membership)

    assert form.status_code == 200
    assert "Suspend Mateo Member" in text(form)
    assert response.status_code == 302
    assert "Mateo Member is suspended." in after_redirect(facilitator_client, response)
    membership.refresh_from_db()
    assert membership.state == Membership.State.SUSPENDED
    assert membership.suspended_reason == REASON
    assert membership.suspended_by == cast.facilitator
    assert membership.suspended_at is not None
    event = AuditEvent.objects.get()
    assert event.action == "member.suspend"
    assert event.details == {"reason": REASON}
    # Only this community: the same person stays active elsewhere.
    assert _membership(cast.public, cast.member).is_active


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_suspension_needs_a_reason(cast, facilitator_client, reason):
    membership = _membership(cast.private, cast.member)

    response = _suspend(facilitator_client, membership, reason=reason)

    assert response.status_code == 400
    assert "This field is required." in text(response)
    membership.refresh_from_db()
    assert membership.is_active
    assert not AuditEvent.objects.exists()
    assert not Notification.objects.exists()


def test_suspension_the_member_is_told_the_reason(cast, suspended):
    notification = Notification.objects.get(recipient=cast.member)

    assert notification.verb == "member.suspend"
    assert notification.community == cast.private
    assert REASON in notification.text
    assert "Closed Circle" in notification.text


def test_suspension_private_home_answers_403_with_the_reason(cast, suspended, member_client):
    response = member_client.get("/c/closed-circle/")

    assert response.status_code == 403
    page = text(response)
    assert "Your membership of Closed Circle is suspended" in page
    assert REASON in page
    # None of the community's content.
    assert "What&#x27;s new" not in page and "What's new" not in page
    assert cast.private.description_html not in page


@pytest.mark.parametrize(
    "path", ["members/", "requests/", "invitations/", "audit/", "settings/", "join/"]
)
def test_suspension_other_pages_of_a_private_community_are_404(suspended, member_client, path):
    assert member_client.get(f"/c/closed-circle/{path}").status_code == 404


def test_suspension_of_a_public_community_leaves_only_what_anyone_sees(
    cast, facilitator_client, member_client
):
    _suspend(facilitator_client, _membership(cast.public, cast.member))

    home = member_client.get("/c/open-practice/")

    assert home.status_code == 200
    assert "Leave this community" not in text(home)
    assert member_client.get("/c/open-practice/members/").status_code == 403


def test_suspension_reinstate_restores_the_membership(
    cast, suspended, facilitator_client, member_client
):
    response = facilitator_client.post(f"/c/closed-circle/members/{suspended.pk}/reinstate/")

    assert response.status_code == 302
    assert "Mateo Member is active again." in after_redirect(facilitator_client, response)
    suspended.refresh_from_db()
    assert suspended.is_active
    assert suspended.suspended_reason == ""
    assert suspended.suspended_by is None
    notification = Notification.objects.get(verb="member.reinstate")
    assert notification.recipient == cast.member
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "member.suspend",
        "member.reinstate",
    ]
    assert member_client.get("/c/closed-circle/").status_code == 200
    assert member_client.get("/c/closed-circle/members/").status_code == 200


def test_suspension_reinstating_an_active_member_is_refused(cast, facilitator_client):
    membership = _membership(cast.private, cast.member)

    response = facilitator_client.post(f"/c/closed-circle/members/{membership.pk}/reinstate/")

    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


def test_suspension_member_cannot_suspend(cast, login):
    other = MembershipFactory(community=cast.private, user=UserFactory())
    client = login(cast.member)

    response = _suspend(client, other)

    assert response.status_code == 403
    other.refresh_from_db()
    assert other.is_active


@pytest.mark.parametrize("target", ["organizer", "facilitator"])
def test_suspension_facilitator_cannot_suspend_an_organizer_or_themselves(
    cast, facilitator_client, target
):
    membership = _membership(cast.private, getattr(cast, target))

    response = _suspend(facilitator_client, membership)

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_active
    assert not AuditEvent.objects.exists()


def test_suspension_facilitator_cannot_suspend_another_facilitator(cast, facilitator_client):
    colleague = MembershipFactory(community=cast.private, role=Membership.Role.FACILITATOR)

    response = _suspend(facilitator_client, colleague)

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active


def test_suspension_organizer_suspends_a_facilitator(cast, organizer_client):
    membership = _membership(cast.private, cast.facilitator)

    response = _suspend(organizer_client, membership)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.state == Membership.State.SUSPENDED
    assert AuditEvent.objects.get().actor == cast.organizer


def test_suspension_organizer_cannot_suspend_themselves(cast, organizer_client):
    membership = _membership(cast.private, cast.organizer)

    assert _suspend(organizer_client, membership).status_code == 403
    membership.refresh_from_db()
    assert membership.is_active


def test_suspension_suspended_members_are_listed_to_facilitators_only(cast, suspended, login):
    colleague = MembershipFactory(
        community=cast.private, user=UserFactory(display_name="Carla Colleague")
    )
    as_facilitator = login(cast.facilitator).get("/c/closed-circle/members/", **htmx("member-list"))
    as_member = login(colleague.user).get("/c/closed-circle/members/", **htmx("member-list"))

    facilitator_view = text(as_facilitator)
    member_view = text(as_member)
    assert "Mateo Member" in facilitator_view
    assert "Suspended" in facilitator_view
    assert REASON in facilitator_view
    assert f"/c/closed-circle/members/{suspended.pk}/reinstate/" in facilitator_view
    assert "Carla Colleague" in member_view
    assert "Mateo Member" not in member_view
    assert REASON not in member_view


def test_suspension_cannot_be_escaped_by_leaving_and_joining_again(cast, facilitator_client):
    membership = _membership(cast.public, cast.member)
    _suspend(facilitator_client, membership)
    client = facilitator_client.__class__()
    client.force_login(cast.member)

    page = client.get("/c/open-practice/leave/")
    leave = client.post("/c/open-practice/leave/")
    join = client.post("/c/open-practice/join/")

    assert "you can leave once a facilitator lifts it" in text(page)
    assert "Yes, leave" not in text(page)
    assert "you can leave once a facilitator lifts it" in after_redirect(client, leave)
    assert join.status_code == 302
    membership.refresh_from_db()
    assert membership.state == Membership.State.SUSPENDED
