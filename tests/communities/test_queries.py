"""Every list page costs the same number of queries at 1 item and at 30 (STYLE.md, "Tests")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import AuditEvent, Community, Invitation, Notification
from communities.services import record_activity
from tests.communities.helpers import text
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _measure(client, url: str, marker: str) -> tuple[int, int, list[str]]:
    """(queries, rows shown, the SQL) of one GET; `marker` appears once per row."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), text(response).count(marker), [q["sql"] for q in queries]


def _assert_flat(client, url: str, marker: str, add) -> None:
    """Measure the page with one item and with thirty: the same number of queries."""
    add(1)
    client.get(url)  # warm the per-process caches (content types, templates)
    one, shown_one, sql_one = _measure(client, url, marker)
    add(29)
    thirty, shown_thirty, sql_thirty = _measure(client, url, marker)

    assert shown_one >= 1
    assert shown_thirty >= 20, "the page should show many more rows at thirty items"
    assert one == thirty, "\n".join(sql_thirty[:10])


def test_queries_public_directory_as_anonymous(client):
    def add(count):
        for _ in range(count):
            community = CommunityFactory()
            MembershipFactory(community=community)

    _assert_flat(client, "/", 'class="list-group-item', add)


def test_queries_front_page_as_a_member(login):
    person = UserFactory()
    client = login(person)

    def add(count):
        for _ in range(count):
            community = CommunityFactory()
            MembershipFactory(community=community, user=person)
            MembershipFactory(community=community)
            private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
            MembershipFactory(community=private, user=person)

    _assert_flat(client, "/", "community-card", add)


def test_queries_community_home_feed(cast, member_client):
    def add(count):
        for number in range(count):
            person = UserFactory()
            # Each kind of target is named from its current row: one query per kind, not per line.
            record_activity(cast.public, person, "member.join", person)
            if number % 2 == 0:
                record_activity(cast.public, person, "community.create", cast.public)

    _assert_flat(member_client, "/c/open-practice/", 'class="activity ', add)


def test_queries_member_directory(cast, member_client):
    def add(count):
        for _ in range(count):
            MembershipFactory(community=cast.public)

    _assert_flat(member_client, "/c/open-practice/members/", "member-card", add)


def test_queries_member_directory_as_organizer(cast, organizer_client):
    def add(count):
        for number in range(count):
            membership = MembershipFactory(community=cast.public)
            if number % 3 == 0:
                membership.state = "suspended"
                membership.suspended_reason = "Spam."
                membership.save(update_fields=["state", "suspended_reason"])

    _assert_flat(organizer_client, "/c/open-practice/members/", "member-card", add)


def test_queries_notifications(cast, member_client):
    def add(count):
        for number in range(count):
            Notification.objects.create(
                recipient=cast.member,
                community=cast.public,
                actor=UserFactory(),
                verb="test.event",
                summary=f"Something {number}",
                url="/c/open-practice/",
                read_at=timezone.now() if number % 2 else None,
            )

    _assert_flat(member_client, "/notifications/", 'class="list-group-item', add)


def test_queries_invitations(cast, facilitator_client):
    def add(count):
        for number in range(count):
            if number % 2:
                InvitationFactory(community=cast.public, created_by=UserFactory())
            else:
                InvitationFactory(
                    community=cast.public,
                    kind=Invitation.Kind.LINK,
                    email="",
                    max_uses=10,
                    created_by=UserFactory(),
                    revoked_at=timezone.now() if number % 3 == 0 else None,
                    revoked_by=cast.organizer if number % 3 == 0 else None,
                    expires_at=timezone.now() + timedelta(days=number - 2),
                )

    _assert_flat(facilitator_client, "/c/open-practice/invitations/", "<tr>", add)


def test_queries_join_requests(cast, facilitator_client):
    def add(count):
        for number in range(count):
            join_request = JoinRequestFactory(community=cast.private)
            answered = JoinRequestFactory(community=cast.private)
            answered.state = "approved" if number % 2 else "declined"
            answered.decided_by = cast.facilitator
            answered.decided_at = timezone.now()
            answered.save(update_fields=["state", "decided_by", "decided_at"])
            assert join_request.state == "pending"

    _assert_flat(facilitator_client, "/c/closed-circle/requests/", "<td>", add)


def test_queries_audit_log(cast, facilitator_client):
    def add(count):
        for number in range(count):
            actor = UserFactory()
            AuditEvent.objects.create(
                actor=actor,
                actor_label=actor.email,
                community=cast.public,
                action=f"test.action{number % 4}",
                target_label=f"Target {number}",
                details={"from": "member", "to": "facilitator"},
                ip="192.0.2.1",
            )

    _assert_flat(facilitator_client, "/c/open-practice/audit/", 'class="audit-event"', add)
