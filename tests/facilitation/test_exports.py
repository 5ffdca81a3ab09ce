"""The members and activity exports: content, headers, permissions, formula injection, queries."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Activity, AuditEvent, Membership
from communities.services import record_activity
from facilitation.events import FacilitationEvent
from facilitation.exports import safe_cell
from tests.factories import MembershipFactory, UserFactory
from tests.forums.factories import ForumFactory, start_thread

pytestmark = pytest.mark.django_db


def _url(name: str, community, query: str = "") -> str:
    return reverse(name, args=[community.slug]) + query


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(response) -> list[list[str]]:
    data = _body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _by_name(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in rows[1:]}


# --- Formula injection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Zoé", "Zoé"),
        ("", ""),
        (None, ""),
        (7, 7),
    ],
)
def test_exports_safe_cell(value, written):
    assert safe_cell(value) == written


# --- Members ----------------------------------------------------------------------------------


def test_exports_members_content_and_headers(cast, client_for):
    now = timezone.now()
    Membership.objects.filter(community=cast.private, user=cast.member).update(
        joined_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    )
    cast.member.display_name = "Zoé Müller"
    cast.member.organization = "Lycée Jean-Moulin"
    cast.member.sector = "academic"
    cast.member.save()
    forum = ForumFactory(community=cast.private)
    start_thread(forum, cast.member)
    old = record_activity(cast.private, cast.member, "member.join")
    Activity.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=120))
    # Activity elsewhere is not counted.
    record_activity(cast.public, cast.member, "member.join")

    response = client_for("facilitator").get(_url("export_members", cast.private))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="closed-circle-members-{today}.csv"'
    )
    rows = _rows(response)
    assert rows[0] == [
        "Name",
        "Mention name",
        "Organization",
        "Discipline",
        "Sector",
        "Role",
        "State",
        "Joined",
        "Last activity in the community (UTC)",
        "Contributions in the last 90 days",
    ]
    assert len(rows) == 4
    member = _by_name(rows)["Zoé Müller"]
    assert member[1] == cast.member.handle
    assert member[2:8] == [
        "Lycée Jean-Moulin",
        "Teaching",
        "Academic",
        "Member",
        "Active",
        "2026-03-04",
    ]
    assert member[8].startswith(now.astimezone(UTC).date().isoformat())
    assert member[8].endswith("+00:00")
    assert member[9] == "1"
    organizer = _by_name(rows)["Olga Organizer"]
    assert (organizer[5], organizer[8], organizer[9]) == ("Organizer", "", "0")


def test_exports_members_in_french(cast, client_for):
    client = client_for("facilitator")

    response = client.get(_url("export_members", cast.public), HTTP_ACCEPT_LANGUAGE="fr")

    rows = _rows(response)
    assert rows[0][0] == "Nom"
    assert _by_name(rows)["Mateo Member"][5] == "Membre"


def test_exports_members_suspended_shown_with_their_state(cast, client_for):
    Membership.objects.filter(community=cast.public, user=cast.member).update(state="suspended")

    rows = _rows(client_for("facilitator").get(_url("export_members", cast.public)))

    assert _by_name(rows)["Mateo Member"][6] == "Suspended"


def test_exports_members_guard_against_formula_injection(cast, client_for):
    cast.member.display_name = '=HYPERLINK("http://evil.example","click")'
    cast.member.organization = "+cmd|' /C calc'!A0"
    cast.member.discipline = "@SUM(1)"
    cast.member.save()

    data = _body(client_for("facilitator").get(_url("export_members", cast.public)))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    member = next(row for row in rows if "HYPERLINK" in row[0])
    assert member[0] == '\'=HYPERLINK("http://evil.example","click")'
    assert member[2] == "'+cmd|' /C calc'!A0"
    assert member[3] == "'@SUM(1)"


def test_exports_members_audited(cast, client_for):
    _body(client_for("organizer").get(_url("export_members", cast.public)))

    event = AuditEvent.objects.get(action=FacilitationEvent.EXPORT_MEMBERS)
    assert (event.actor, event.community) == (cast.organizer, cast.public)


@pytest.mark.parametrize("name", ["export_members", "export_activity"])
@pytest.mark.parametrize(
    ("principal", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("other_member", 404),
        ("staff", 403),
        ("member", 403),
        ("facilitator", 200),
        ("organizer", 200),
    ],
)
def test_exports_private_community_permissions(cast, client_for, name, principal, status):
    response = client_for(principal).get(_url(name, cast.private))

    assert response.status_code == status
    if status != 200:
        assert not AuditEvent.objects.filter(action__startswith="export.").exists()


@pytest.mark.parametrize("name", ["export_members", "export_activity"])
@pytest.mark.parametrize(
    ("principal", "status"),
    [("anonymous", 302), ("outsider", 403), ("member", 403), ("facilitator", 200)],
)
def test_exports_public_community_permissions(cast, client_for, name, principal, status):
    response = client_for(principal).get(_url(name, cast.public))

    assert response.status_code == status


@pytest.mark.parametrize("name", ["export_members", "export_activity"])
def test_exports_refuse_post(cast, client_for, name):
    assert client_for("facilitator").post(_url(name, cast.public)).status_code == 405


@pytest.mark.parametrize("name", ["export_members", "export_activity"])
def test_exports_query_count_does_not_grow_with_the_community(cast, client_for, name):
    client = client_for("facilitator")
    forum = ForumFactory(community=cast.public)

    def grow_to(total: int) -> None:
        while Membership.objects.filter(community=cast.public).count() < total:
            person = UserFactory()
            MembershipFactory(community=cast.public, user=person)
            thread = start_thread(forum, person)
            record_activity(cast.public, person, "member.join")
            record_activity(cast.public, person, "member.join", person)
            del thread

    def measure() -> tuple[int, int]:
        _body(client.get(_url(name, cast.public)))  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            rows = len(_body(client.get(_url(name, cast.public))).splitlines())
        return len(queries), rows

    grow_to(5)
    five, rows_five = measure()
    grow_to(50)
    fifty, rows_fifty = measure()

    assert rows_fifty > rows_five
    assert five == fifty, (five, fifty)


# --- Activity ---------------------------------------------------------------------------------


def test_exports_activity_content(cast, client_for):
    forum = ForumFactory(community=cast.public)
    thread = start_thread(forum, cast.member, title="=Lesson openers")
    record_activity(cast.public, None, "member.join", summary="A visitor")
    record_activity(cast.other, cast.other_member, "member.join")

    response = client_for("facilitator").get(_url("export_activity", cast.public))

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="open-practice-activity-{today}.csv"'
    )
    rows = _rows(response)
    assert rows[0] == ["Time (UTC)", "Person", "Event code", "Event", "Summary", "Link"]
    assert len(rows) == 3
    started, joined = rows[1], rows[2]
    assert started[0].endswith("+00:00")
    assert started[1:6] == [
        "Mateo Member",
        "thread.create",
        "Thread started",
        "'=Lesson openers",
        f"http://testserver{thread.get_absolute_url()}",
    ]
    assert joined[1:5] == ["", "member.join", "Member joined", "A visitor"]


def test_exports_activity_leaves_out_hidden_activity(cast, client_for):
    activity = record_activity(cast.public, cast.member, "member.join", summary="Hidden one")
    Activity.objects.filter(pk=activity.pk).update(is_hidden=True)

    rows = _rows(client_for("facilitator").get(_url("export_activity", cast.public)))

    assert len(rows) == 1


def test_exports_activity_since(cast, client_for):
    early = record_activity(cast.public, cast.member, "member.join", summary="early")
    Activity.objects.filter(pk=early.pk).update(created_at=datetime(2026, 1, 9, 23, 59, tzinfo=UTC))
    late = record_activity(cast.public, cast.member, "member.join", summary="late")
    Activity.objects.filter(pk=late.pk).update(created_at=datetime(2026, 1, 10, 0, 0, tzinfo=UTC))

    response = client_for("facilitator").get(
        _url("export_activity", cast.public, "?since=2026-01-10")
    )

    rows = _rows(response)
    assert [row[4] for row in rows[1:]] == ["late"]
    event = AuditEvent.objects.get(action=FacilitationEvent.EXPORT_ACTIVITY)
    assert event.details == {"since": "2026-01-10"}


@pytest.mark.parametrize(
    "since",
    ["yesterday", "2026-13-01", "2026-02-30", "0000-01-01", "2026-1-1", "2026-01-01%00", "9" * 40],
)
def test_exports_activity_bad_since_is_a_400(cast, client_for, since):
    response = client_for("facilitator").get(
        _url("export_activity", cast.public, f"?since={since}")
    )

    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=FacilitationEvent.EXPORT_ACTIVITY).exists()


def test_exports_activity_empty_since_is_ignored(cast, client_for):
    record_activity(cast.public, cast.member, "member.join", summary="x")

    rows = _rows(client_for("facilitator").get(_url("export_activity", cast.public, "?since=")))

    assert len(rows) == 2
