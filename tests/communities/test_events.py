"""The event vocabulary: declared once, refused when unknown, told when read."""

import importlib
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.utils import translation

from communities import events, services
from communities.events import CommunityEvent, UnknownEvent
from communities.models import Activity, AuditEvent, Membership, Notification
from documents.events import DocumentEvent
from forums.events import ForumEvent
from tests.communities.helpers import text

pytestmark = pytest.mark.django_db

APPS_EVENTS = (CommunityEvent, ForumEvent, DocumentEvent)


def test_events_every_app_declares_its_events_with_a_label_in_both_languages():
    for choices in APPS_EVENTS:
        for member in choices:
            assert events.EVENTS[member.value].label == member.label
            # thing.verb in the imperative (never "post.hidden" beside "post.hide").
            assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", member.value), member.value
            assert not member.value.endswith("ed"), member.value
            with translation.override("fr"):
                french = str(member.label)
            assert french != str(member.label), f"{member.value} has no French label"


@pytest.mark.parametrize(
    "write",
    [
        lambda cast: services.audit(cast.organizer, cast.public, "member.promoted"),
        lambda cast: services.record_activity(cast.public, cast.member, "thread.created"),
        lambda cast: services.notify(cast.member, "post.hidden", thread="T", reason="R"),
        lambda cast: services.notify_collapsed(cast.member, "post.replied", url="/", thread="T"),
    ],
    ids=["audit", "record_activity", "notify", "notify_collapsed"],
)
def test_events_the_logs_refuse_an_undeclared_event_and_write_nothing(cast, write):
    counts = (AuditEvent.objects.count(), Activity.objects.count(), Notification.objects.count())

    with pytest.raises(UnknownEvent):
        write(cast)

    after = (AuditEvent.objects.count(), Activity.objects.count(), Notification.objects.count())
    assert after == counts


def test_events_the_feed_and_notifications_refuse_an_event_without_their_text(cast):
    # Declared, but for the audit log only: the feed could not tell it, nor a notification.
    with pytest.raises(UnknownEvent, match="feed"):
        services.record_activity(cast.public, cast.member, CommunityEvent.MEMBER_LEAVE)
    with pytest.raises(UnknownEvent, match="notice"):
        services.notify(cast.member, ForumEvent.FORUM_CREATE)


def test_events_a_notification_is_told_in_the_readers_language_and_time_zone(cast, member_client):
    until = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    membership = Membership.objects.get(community=cast.private, user=cast.member)
    services.silence_member(membership, actor=cast.facilitator, reason="Spam", until=until)
    notification = Notification.objects.get(recipient=cast.member)
    # Stored: the event and its parameters, not an English sentence.
    assert notification.verb == "member.silence"
    assert notification.summary == ""
    assert notification.params["until"] == {"moment": until.isoformat()}

    # The member reads French, in Paris (UTC+1 in March): the date moves to the next day.
    cast.member.language = "fr"
    cast.member.time_zone = "Europe/Paris"
    cast.member.save(update_fields=["language", "time_zone"])
    page = text(member_client.get("/notifications/"))

    assert "Vous ne pouvez plus publier dans Closed Circle jusqu’au 2 mars 2026" in page
    assert "00:30" in page
    assert "You cannot post" not in page


def test_events_a_role_is_stored_untranslated_and_named_in_the_readers_language(cast):
    membership = Membership.objects.get(community=cast.public, user=cast.member)
    with translation.override("fr"):
        services.change_role(membership, actor=cast.organizer, role=Membership.Role.FACILITATOR)
    notification = Notification.objects.get(recipient=cast.member, verb="member.role")

    assert notification.params["role"] == {"text": "Facilitator"}
    with translation.override("en"):
        assert notification.text == "Your role in Open Practice is now: Facilitator."
    with translation.override("fr"):
        assert "Open Practice" in notification.text
        assert "Facilitator" not in notification.text


def test_events_collapsed_notices_count_in_the_readers_language(cast):
    for number in range(3):
        services.notify_collapsed(
            cast.member,
            ForumEvent.POST_REPLY,
            url="/c/open-practice/t/1/",
            person=f"Person {number}",
            thread="Exit tickets",
        )
    [notification] = Notification.objects.filter(recipient=cast.member)

    assert notification.count == 3
    with translation.override("en"):
        assert notification.text == "3 new replies in “Exit tickets”."
    with translation.override("fr"):
        assert notification.text.startswith("3 ")
        assert "replies" not in notification.text


def test_events_notifications_written_before_the_vocabulary_keep_their_sentence(cast):
    old = Notification.objects.create(
        recipient=cast.member, verb="post.hide", summary="Your post was hidden.", url="/"
    )

    assert old.text == "Your post was hidden."


def test_events_audit_page_names_actions_and_dates_in_the_readers_language(
    cast, facilitator_client
):
    AuditEvent.objects.create(
        actor=cast.facilitator,
        actor_label=cast.facilitator.email,
        community=cast.public,
        action=CommunityEvent.MEMBER_SILENCE,
        target_label="target-silenced",
        details={"reason": "Spam", "until": "2026-03-01T23:30:00+00:00"},
    )
    cast.facilitator.language = "fr"
    cast.facilitator.time_zone = "Europe/Paris"
    cast.facilitator.save(update_fields=["language", "time_zone"])

    page = text(facilitator_client.get("/c/open-practice/audit/"))

    assert "<td>Membre réduit au silence</td>" in page
    assert "member.silence</" not in page
    assert "Motif :" in page or "Motif:" in page
    assert "2 mars 2026" in page
    assert "2026-03-01T23:30" not in page
    # The action filter offers the labels too.
    assert '<option value="member.silence">Membre réduit au silence</option>' in page


def test_events_old_verbs_of_the_feed_and_notifications_are_renamed_by_the_migration(cast):
    migration = importlib.import_module("communities.migrations.0008_notification_params")
    old_activity = Activity.objects.create(
        community=cast.public, actor=cast.member, verb="member.joined", summary="x"
    )
    old_notice = Notification.objects.create(
        recipient=cast.member, verb="post.hidden", summary="Your post was hidden."
    )

    migration.rename(apps, None)

    old_activity.refresh_from_db()
    old_notice.refresh_from_db()
    assert (old_activity.verb, old_notice.verb) == ("member.join", "post.hide")
    assert old_notice.text == "Your post was hidden."
