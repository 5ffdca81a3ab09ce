"""Knowledge entries due for review on the dashboard and in the facilitators' reminders, and
the digest section of newly published knowledge (issue 16)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.permissions import access_for
from facilitation import reminders
from facilitation.digests import DIGEST_SECTIONS
from facilitation.knowledge import selectors
from tests.communities.helpers import text
from tests.facilitation.knowledge_helpers import entry_of, url

pytestmark = pytest.mark.django_db


def _due(community, actor, title, days_ago=1, **fields):
    return entry_of(
        community,
        actor,
        title=title,
        review_on=timezone.localdate() - timedelta(days=days_ago),
        **fields,
    )


def test_knowledge_review_due_listed_on_dashboard(cast, client_for):
    due = _due(cast.public, cast.facilitator, "Stale entry")
    entry_of(cast.public, cast.facilitator, title="Fresh entry")
    _due(cast.public, cast.facilitator, "Retired stale", status="retired")

    page = text(client_for("facilitator").get(url("facilitate", cast.public)))

    assert "Knowledge to review" in page
    assert "Stale entry" in page
    assert due.get_absolute_url() in page
    assert "Fresh entry" not in page
    assert "Retired stale" not in page


def test_knowledge_review_none_due_on_dashboard(cast, client_for):
    page = text(client_for("facilitator").get(url("facilitate", cast.public)))
    assert "Every knowledge entry is up to date." in page


def test_knowledge_review_in_the_reminders(cast):
    _due(cast.public, cast.facilitator, "Stale entry")
    access = access_for(cast.facilitator, cast.public)

    needs = reminders.needs_of(cast.public, access, now=timezone.now()).needs

    [need] = [need for need in needs if need.name == "knowledge_review"]
    assert str(need.summary) == "1 knowledge entry is due for review."
    assert [item.label for item in need.items] == ["Stale entry"]
    assert need.count == 1


def test_knowledge_review_reminder_absent_when_nothing_due(cast):
    entry_of(cast.public, cast.facilitator, title="Fresh entry")
    access = access_for(cast.facilitator, cast.public)
    needs = reminders.needs_of(cast.public, access, now=timezone.now()).needs
    assert "knowledge_review" not in [need.name for need in needs]


def test_knowledge_review_reminder_queries_flat(cast):
    access = access_for(cast.facilitator, cast.public)
    now = timezone.now()
    _due(cast.public, cast.facilitator, "Stale 0")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            reminders.needs_of(cast.public, access, now=now)
        return len(queries)

    one = count()
    for number in range(1, 12):
        _due(cast.public, cast.facilitator, f"Stale {number}")
    assert count() == one


def test_knowledge_review_steward_confirms_and_entry_leaves_the_list(cast, client_for):
    entry = _due(cast.public, cast.member, "Stewarded entry")
    later = timezone.localdate() + timedelta(days=90)

    client_for("member").post(
        url("knowledge_status", cast.public, entry.pk),
        {"action": "review", "review_on": later.isoformat()},
    )

    entry.refresh_from_db()
    assert entry.review_on == later
    assert not selectors.due_for_review(cast.public, today=timezone.localdate()).exists()


def test_knowledge_digest_section_lists_newly_published_entries(cast):
    start = timezone.now() - timedelta(hours=1)
    published = entry_of(cast.public, cast.facilitator, title="Fresh knowledge")
    entry_of(cast.public, cast.facilitator, title="Still a draft", status="draft")
    entry_of(cast.private, cast.facilitator, title="Elsewhere")

    section = DIGEST_SECTIONS["knowledge"]
    found = section.collect([cast.public.pk], start, timezone.now() + timedelta(seconds=1))

    assert str(section.label) == "Newly published knowledge"
    [item] = found[cast.public.pk]
    assert item.title == "Fresh knowledge"
    assert item.url.endswith(published.get_absolute_url())
    assert cast.private.pk not in found


def test_knowledge_digest_section_leaves_out_entries_published_before(cast):
    entry_of(cast.public, cast.facilitator, title="Old knowledge")
    later = timezone.now() + timedelta(minutes=5)
    found = DIGEST_SECTIONS["knowledge"].collect([cast.public.pk], later, later + timedelta(days=1))
    assert found == {}
