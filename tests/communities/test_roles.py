import pytest

from communities.models import AuditEvent, Membership, Notification
from tests.communities.helpers import after_redirect, text

pytestmark = pytest.mark.django_db

Role = Membership.Role


def _membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)


def _set_role(client, membership, role):
    return client.post(
        f"/c/{membership.community.slug}/members/{membership.pk}/role/", {"role": role}
    )


def test_roles_organizer_promotes_a_member_to_facilitator(cast, organizer_client):
    membership = _membership(cast.public, cast.member)

    response = _set_role(organizer_client, membership, Role.FACILITATOR)

    assert response.status_code == 302
    assert response["Location"] == "/c/open-practice/members/"
    assert "Mateo Member is now: Facilitator." in after_redirect(organizer_client, response)
    membership.refresh_from_db()
    assert membership.role == Role.FACILITATOR
    # The other community's membership of the same person is untouched.
    assert _membership(cast.private, cast.member).role == Role.MEMBER
    notification = Notification.objects.get(recipient=cast.member)
    assert notification.verb == "member.role"
    assert notification.url == "/c/open-practice/"
    assert "Open Practice" in notification.text and "Facilitator" in notification.text
    event = AuditEvent.objects.get()
    assert event.action == "member.role"
    assert event.actor == cast.organizer
    assert event.target_id == str(cast.member.pk)
    assert event.details == {"from": "member", "to": "facilitator"}


def test_roles_promoted_facilitator_gains_the_facilitators_pages(cast, organizer_client, login):
    _set_role(organizer_client, _membership(cast.public, cast.member), Role.FACILITATOR)

    assert login(cast.member).get("/c/open-practice/invitations/").status_code == 200


def test_roles_organizer_demotes_a_facilitator(cast, organizer_client, login):
    membership = _membership(cast.public, cast.facilitator)

    response = _set_role(organizer_client, membership, Role.MEMBER)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    notification = Notification.objects.get(recipient=cast.facilitator)
    assert notification.verb == "member.role"
    assert "Member" in notification.text
    assert AuditEvent.objects.get().details == {"from": "facilitator", "to": "member"}
    assert login(cast.facilitator).get("/c/open-practice/invitations/").status_code == 403


def test_roles_each_change_writes_one_audit_row(cast, organizer_client):
    membership = _membership(cast.public, cast.member)

    _set_role(organizer_client, membership, Role.FACILITATOR)
    _set_role(organizer_client, membership, Role.MEMBER)
    _set_role(organizer_client, membership, Role.MEMBER)  # no change: refused

    events = AuditEvent.objects.filter(action="member.role").order_by("id")
    assert [event.details for event in events] == [
        {"from": "member", "to": "facilitator"},
        {"from": "facilitator", "to": "member"},
    ]
    assert Notification.objects.filter(recipient=cast.member).count() == 2


def test_roles_last_organizer_cannot_demote_themselves(cast, organizer_client):
    membership = _membership(cast.public, cast.organizer)

    response = _set_role(organizer_client, membership, Role.MEMBER)

    assert "The last organizer cannot be demoted." in after_redirect(organizer_client, response)
    membership.refresh_from_db()
    assert membership.role == Role.ORGANIZER
    assert not AuditEvent.objects.exists()
    assert not Notification.objects.exists()


def test_roles_last_organizer_cannot_leave(cast, organizer_client):
    page = text(organizer_client.get("/c/open-practice/leave/"))
    response = organizer_client.post("/c/open-practice/leave/")

    assert "You are the last organizer: appoint another organizer before you leave." in page
    assert "Yes, leave" not in page
    assert response.status_code == 302
    assert response["Location"] == "/c/open-practice/"
    assert "You are the last organizer" in after_redirect(organizer_client, response)
    assert _membership(cast.public, cast.organizer).role == Role.ORGANIZER
    assert not AuditEvent.objects.exists()


def test_roles_second_organizer_lets_the_first_step_down_and_leave(cast, organizer_client):
    _set_role(organizer_client, _membership(cast.public, cast.facilitator), Role.ORGANIZER)
    own = _membership(cast.public, cast.organizer)

    demoted = _set_role(organizer_client, own, Role.FACILITATOR)

    assert demoted.status_code == 302
    own.refresh_from_db()
    assert own.role == Role.FACILITATOR
    assert [event.details for event in AuditEvent.objects.order_by("id")] == [
        {"from": "facilitator", "to": "organizer"},
        {"from": "organizer", "to": "facilitator"},
    ]


def test_roles_organizer_leaves_once_another_organizer_exists(cast, organizer_client):
    _set_role(organizer_client, _membership(cast.public, cast.facilitator), Role.ORGANIZER)

    response = organizer_client.post("/c/open-practice/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Membership.objects.filter(community=cast.public, user=cast.organizer).exists()
    assert AuditEvent.objects.filter(action="member.leave", actor=cast.organizer).count() == 1


def test_roles_facilitator_cannot_change_roles(cast, facilitator_client):
    membership = _membership(cast.public, cast.member)

    response = _set_role(facilitator_client, membership, Role.FACILITATOR)
    own = _set_role(facilitator_client, _membership(cast.public, cast.facilitator), "organizer")

    assert response.status_code == 403
    assert own.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    assert _membership(cast.public, cast.facilitator).role == Role.FACILITATOR
    assert not AuditEvent.objects.exists()


def test_roles_unknown_role_is_refused(cast, organizer_client):
    membership = _membership(cast.public, cast.member)

    response = _set_role(organizer_client, membership, "emperor")

    assert "Choose a role." in after_redirect(organizer_client, response)
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_roles_membership_of_another_community_is_404(cast, organizer_client):
    elsewhere = _membership(cast.other, cast.other_member)

    response = organizer_client.post(
        f"/c/open-practice/members/{elsewhere.pk}/role/", {"role": Role.MEMBER}
    )

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.ORGANIZER
