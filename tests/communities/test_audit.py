from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from communities.models import AuditEvent
from communities.services import audit
from tests.communities.helpers import text
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(cast):
    return audit(cast.organizer, cast.public, "community.settings", cast.public, details={"a": 1})


def _unchanged(event: AuditEvent) -> bool:
    stored = AuditEvent.objects.get(pk=event.pk)
    return stored.action == "community.settings" and stored.details == {"a": 1}


def test_audit_instance_cannot_be_saved_again(event):
    event.action = "nothing.happened"

    with pytest.raises(PermissionDenied):
        event.save()

    assert _unchanged(event)


def test_audit_fetched_instance_cannot_be_saved(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    stored.details = {"a": 2}

    with pytest.raises(PermissionDenied):
        stored.save(update_fields=["details"])

    assert _unchanged(event)


def test_audit_new_instance_cannot_overwrite_an_existing_row(event):
    forged = AuditEvent(pk=event.pk, action="forged", actor_label="nobody")

    with pytest.raises((PermissionDenied, DatabaseError)), transaction.atomic():
        forged.save()

    assert _unchanged(event)


def test_audit_instance_cannot_be_deleted(event):
    with pytest.raises(PermissionDenied):
        event.delete()

    assert _unchanged(event)


def test_audit_queryset_cannot_update_or_delete(event):
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing.happened")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.details = {"a": 3}
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.bulk_update([event], ["details"])

    assert _unchanged(event)


def test_audit_raw_sql_update_is_refused_by_the_database(event):
    table = AuditEvent._meta.db_table

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["forged", event.pk])  # noqa: S608

    assert _unchanged(event)


def test_audit_raw_sql_delete_is_refused_by_postgresql(event):
    # SQLite (the embedded mode) keeps DELETE allowed: its test flush deletes rows.
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    table = AuditEvent._meta.db_table

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608

    assert _unchanged(event)


def test_audit_rows_outlive_the_person_and_the_community(cast, event):
    cast.organizer.delete()
    cast.public.delete()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_label.endswith("@example.org")
    assert stored.target_label == "Open Practice"


# --- The audit page -------------------------------------------------------------------------


def _at(day: int) -> datetime:
    return datetime(2025, 3, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def events(cast):
    def row(actor, action, label, day):
        return AuditEvent.objects.create(
            actor=actor,
            actor_label=actor.email,
            community=cast.public,
            action=action,
            target_label=label,
            created_at=_at(day),
        )

    return [
        row(cast.organizer, "member.role", "target-alpha", 1),
        row(cast.facilitator, "member.suspend", "target-bravo", 5),
        row(cast.facilitator, "invitation.create", "target-charlie", 10),
        # Another community's log never shows here.
        AuditEvent.objects.create(
            actor=cast.other_member,
            actor_label=cast.other_member.email,
            community=cast.other,
            action="member.role",
            target_label="target-elsewhere",
            created_at=_at(5),
        ),
    ]


def _listed(response) -> set[str]:
    page = text(response)
    labels = {"target-alpha", "target-bravo", "target-charlie", "target-elsewhere"}
    return {label for label in labels if label in page}


def test_audit_page_lists_the_communitys_events_to_facilitators(events, facilitator_client):
    response = facilitator_client.get("/c/open-practice/audit/")

    assert response.status_code == 200
    assert _listed(response) == {"target-alpha", "target-bravo", "target-charlie"}
    assert "<td>Member suspended</td>" in text(response)
    # The log only reads: no form on the page changes it.
    assert 'method="post"' not in text(response).split('id="main"', 1)[1]


def test_audit_page_filters_by_action(events, facilitator_client):
    response = facilitator_client.get("/c/open-practice/audit/?action=member.suspend")

    assert _listed(response) == {"target-bravo"}


def test_audit_page_filters_by_actor(cast, events, facilitator_client):
    response = facilitator_client.get(f"/c/open-practice/audit/?actor={cast.organizer.email}")

    assert _listed(response) == {"target-alpha"}


def test_audit_page_filters_by_dates(events, facilitator_client):
    since = facilitator_client.get("/c/open-practice/audit/?since=2025-03-05")
    until = facilitator_client.get("/c/open-practice/audit/?until=2025-03-05")
    both = facilitator_client.get("/c/open-practice/audit/?since=2025-03-02&until=2025-03-09")

    assert _listed(since) == {"target-bravo", "target-charlie"}
    assert _listed(until) == {"target-alpha", "target-bravo"}
    assert _listed(both) == {"target-bravo"}


def test_audit_page_invalid_date_is_ignored_with_a_message(events, facilitator_client):
    response = facilitator_client.get("/c/open-practice/audit/?since=yesterday")

    assert response.status_code == 200
    assert "Some filters were not valid and were ignored." in text(response)
    assert _listed(response) == {"target-alpha", "target-bravo", "target-charlie"}


def test_audit_page_a_bad_filter_leaves_the_other_filters_applied(events, facilitator_client):
    response = facilitator_client.get(
        "/c/open-practice/audit/?since=yesterday&action=member.suspend&until=2999-01-01"
    )
    also_bad_action = facilitator_client.get(
        f"/c/open-practice/audit/?action=no.such.action&actor={events[0].actor_label}"
    )

    assert _listed(response) == {"target-bravo"}
    assert "Some filters were not valid and were ignored." in text(also_bad_action)
    assert _listed(also_bad_action) == {"target-alpha"}


def test_audit_page_is_refused_to_members(events, member_client):
    response = member_client.get("/c/open-practice/audit/")

    assert response.status_code == 403
    assert _listed(response) == set()


def test_audit_page_of_a_private_community_is_hidden_from_outsiders(cast, outsider_client):
    audit(cast.organizer, cast.private, "community.settings", cast.private)

    assert outsider_client.get("/c/closed-circle/audit/").status_code == 404


def test_audit_page_is_open_to_staff_read_only(events, staff_client):
    response = staff_client.get("/c/open-practice/audit/")

    assert response.status_code == 200
    assert _listed(response) == {"target-alpha", "target-bravo", "target-charlie"}
