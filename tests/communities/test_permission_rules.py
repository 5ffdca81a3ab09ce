"""communities/permissions.py, branch by branch."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from communities import permissions
from communities.models import Community, Invitation, Membership
from tests.factories import CommunityFactory, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


def _access(cast, principal, community):
    user = cast.person(principal) or AnonymousUser()
    return permissions.access_for(user, community)


@pytest.mark.parametrize(
    ("principal", "public", "private"),
    [
        ("anonymous", permissions.VIEW, frozenset()),
        ("outsider", permissions.VIEW, frozenset()),
        ("other_member", permissions.VIEW, frozenset()),
        ("member", permissions.MEMBER, permissions.MEMBER),
        ("facilitator", permissions.FACILITATOR, permissions.FACILITATOR),
        ("organizer", permissions.ORGANIZER, permissions.ORGANIZER),
        ("staff", permissions.STAFF, permissions.STAFF),
    ],
)
def test_permissions_capabilities_by_principal(cast, principal, public, private):
    assert _access(cast, principal, cast.public).capabilities == public
    assert _access(cast, principal, cast.private).capabilities == private


def test_permissions_roles_nest():
    assert permissions.VIEW < permissions.MEMBER < permissions.FACILITATOR < permissions.ORGANIZER
    assert "member.promote" not in permissions.FACILITATOR
    assert "community.manage" not in permissions.FACILITATOR


def test_permissions_suspended_member_sees_nothing_private_and_only_what_anyone_sees_public(cast):
    for community in (cast.public, cast.private):
        Membership.objects.filter(community=community, user=cast.member).update(state="suspended")

    assert _access(cast, "member", cast.private).capabilities == frozenset()
    assert _access(cast, "member", cast.public).capabilities == permissions.VIEW
    assert _access(cast, "member", cast.private).is_suspended


def test_permissions_archived_community_is_read_only(cast):
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save()

    access = _access(cast, "member", cast.public)

    assert access.can("community.view")
    assert not access.can("forum.post")
    assert not access.can("document.upload")
    assert _access(cast, "organizer", cast.public).can("community.manage")
    assert not _access(cast, "outsider", cast.public).can_join


def test_permissions_require_hides_with_404_and_refuses_with_403(cast):
    with pytest.raises(Http404):
        _access(cast, "outsider", cast.private).require("member.list")
    with pytest.raises(PermissionDenied):
        _access(cast, "outsider", cast.public).require("member.list")
    with pytest.raises(PermissionDenied):
        _access(cast, "member", cast.private).require("member.suspend")
    _access(cast, "facilitator", cast.private).require("member.suspend")


def test_permissions_can_join_depends_on_policy_and_membership(cast):
    assert _access(cast, "outsider", cast.public).can_join
    assert not _access(cast, "anonymous", cast.public).can_join
    assert not _access(cast, "member", cast.public).can_join
    assert not _access(cast, "outsider", cast.private).can_join  # invisible
    cast.public.join_policy = Community.JoinPolicy.INVITE
    assert not _access(cast, "outsider", cast.public).can_join


def test_permissions_request_key_opens_only_the_request_form_of_a_private_community(cast):
    key = cast.private.join_key

    assert permissions.can_request_with_key(cast.outsider, cast.private, key)
    assert not permissions.can_request_with_key(cast.outsider, cast.private, "wrong")
    assert not permissions.can_request_with_key(cast.outsider, cast.private, "")
    assert not permissions.can_request_with_key(AnonymousUser(), cast.private, key)
    cast.private.join_policy = Community.JoinPolicy.INVITE
    assert not permissions.can_request_with_key(cast.outsider, cast.private, key)


def _membership(cast, community, principal):
    return Membership.objects.get(community=community, user=cast.person(principal))


def test_permissions_can_leave_except_the_last_organizer(cast):
    assert permissions.can_leave(_membership(cast, cast.public, "member"))
    assert not permissions.can_leave(_membership(cast, cast.public, "organizer"))
    MembershipFactory(community=cast.public, role=Role.ORGANIZER)
    assert permissions.can_leave(_membership(cast, cast.public, "organizer"))


def test_permissions_can_change_role_branch_by_branch(cast):
    organizer = _access(cast, "organizer", cast.public)
    facilitator = _access(cast, "facilitator", cast.public)
    member = _membership(cast, cast.public, "member")

    assert permissions.can_change_role(organizer, member, Role.FACILITATOR)
    assert not permissions.can_change_role(facilitator, member, Role.FACILITATOR)
    assert not permissions.can_change_role(organizer, member, "emperor")
    assert not permissions.can_change_role(organizer, member, Role.MEMBER)  # unchanged
    elsewhere = _membership(cast, cast.private, "member")
    assert not permissions.can_change_role(organizer, elsewhere, Role.FACILITATOR)
    own = _membership(cast, cast.public, "organizer")
    assert not permissions.can_change_role(organizer, own, Role.MEMBER)  # last organizer
    member.state = Membership.State.SUSPENDED
    assert not permissions.can_change_role(organizer, member, Role.FACILITATOR)


def test_permissions_can_suspend_branch_by_branch(cast):
    organizer = _access(cast, "organizer", cast.public)
    facilitator = _access(cast, "facilitator", cast.public)

    assert permissions.can_suspend(facilitator, _membership(cast, cast.public, "member"))
    assert not permissions.can_suspend(facilitator, _membership(cast, cast.public, "facilitator"))
    assert not permissions.can_suspend(facilitator, _membership(cast, cast.public, "organizer"))
    assert permissions.can_suspend(organizer, _membership(cast, cast.public, "facilitator"))
    assert not permissions.can_suspend(organizer, _membership(cast, cast.private, "member"))
    assert not permissions.can_suspend(
        _access(cast, "member", cast.public), _membership(cast, cast.public, "member")
    )


def test_permissions_can_reinstate_only_the_suspended(cast):
    facilitator = _access(cast, "facilitator", cast.public)
    member = _membership(cast, cast.public, "member")

    assert not permissions.can_reinstate(facilitator, member)
    member.state = Membership.State.SUSPENDED
    assert permissions.can_reinstate(facilitator, member)
    assert not permissions.can_reinstate(_access(cast, "member", cast.public), member)


def test_permissions_invite_roles(cast):
    facilitator = _access(cast, "facilitator", cast.public)
    organizer = _access(cast, "organizer", cast.public)

    assert permissions.can_invite_with_role(facilitator, Role.MEMBER)
    assert not permissions.can_invite_with_role(facilitator, Role.FACILITATOR)
    assert permissions.can_invite_with_role(organizer, Role.ORGANIZER)
    assert not permissions.can_invite_with_role(_access(cast, "member", cast.public), Role.MEMBER)


def test_permissions_can_accept_invitation_branch_by_branch(cast):
    person = UserFactory(email="guest@example.net")
    invitation = InvitationFactory(community=cast.private, email="guest@example.net")

    assert permissions.can_accept_invitation(person, invitation)
    assert not permissions.can_accept_invitation(AnonymousUser(), invitation)
    assert not permissions.can_accept_invitation(cast.outsider, invitation)  # other address
    link = InvitationFactory(community=cast.private, kind=Invitation.Kind.LINK, email="")
    assert permissions.can_accept_invitation(cast.outsider, link)
    link.use_count = link.max_uses
    assert not permissions.can_accept_invitation(cast.outsider, link)
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    assert not permissions.can_accept_invitation(person, invitation)


def test_permissions_communities_visible_to(cast):
    hidden = CommunityFactory(visibility=Community.Visibility.PRIVATE)

    assert set(permissions.communities_visible_to(AnonymousUser())) == {cast.public, cast.other}
    assert set(permissions.communities_visible_to(cast.member)) == {
        cast.public,
        cast.private,
        cast.other,
    }
    assert hidden in set(permissions.communities_visible_to(cast.staff))
    assert hidden not in set(permissions.communities_visible_to(cast.member))
