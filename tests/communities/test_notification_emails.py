"""Notification emails: grouped over a few minutes, sent once, only what the person may still
see, in their language, with a one-click unsubscribe of their kind (real SMTP server)."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import emails, events, notification_emails, services, tasks
from communities.models import Membership, Notification
from core.models import OutboxEmail
from forums.events import ForumEvent
from tests.conftest import require
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

THREAD_URL = "/c/open-practice/t/7/"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run() → the beat task once, with the outbox's sends after commit."""

    def tick() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.email_notifications.delay()

    return tick


def mention(person, community, *, thread="Fractions in year 5", by="Olga", url=THREAD_URL):
    return services.notify(
        person,
        ForumEvent.POST_MENTION,
        url=url,
        community=community,
        person=by,
        thread=thread,
    )


def header(message, name: str) -> str:
    # A long header is folded onto the next line; the parsed value keeps the fold's space.
    return str(message[name]).strip()


def subject_of(message) -> str:
    return header(message, "Subject")


def age(*notifications, minutes=6) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_every_notice_maps_to_a_kind_of_email():
    unmapped = [
        code
        for code, event in events.EVENTS.items()
        if event.notice is not None and emails.kind_of(code) is None
    ]
    assert unmapped == [], f"map these events to a kind (communities.emails.map_events): {unmapped}"


def test_notification_emails_group_within_the_window(cast, smtp_sink, run):
    first = mention(cast.member, cast.public, thread="Fractions")
    second = mention(cast.member, cast.public, thread="Geometry", by="Fatou")

    run()
    assert smtp_sink.to(cast.member.email) == []

    age(first, minutes=6)
    age(second, minutes=2)
    run()

    [message] = smtp_sink.to(cast.member.email)
    assert subject_of(message) == "[Praxis] 2 new notifications in Open Practice"
    text = smtp_sink.text_of(message)
    assert "Olga mentioned you in “Fractions”." in text
    assert "Fatou mentioned you in “Geometry”." in text
    assert "http://127.0.0.1:8000" + THREAD_URL in text
    html = smtp_sink.html_of(message)
    assert f'href="http://127.0.0.1:8000{THREAD_URL}"' in html
    assert "<img" not in html
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    assert OutboxEmail.objects.filter(key=f"notifications:{cast.member.pk}:{first.pk}").exists()


def test_notification_emails_a_second_run_sends_nothing(cast, smtp_sink, run):
    age(mention(cast.member, cast.public))
    run()
    run()
    notification_emails.email_notifications_to([cast.member.pk])

    assert len(smtp_sink.to(cast.member.email)) == 1
    assert OutboxEmail.objects.count() == 1


def test_notification_emails_tell_a_notification_pending_again(cast, smtp_sink, run):
    # A collapsed notice ("3 new replies") told once, then pending again with more news.
    notice = mention(cast.member, cast.public)
    age(notice)
    run()
    Notification.objects.filter(pk=notice.pk).update(emailed_at=None)

    run()

    assert len(smtp_sink.to(cast.member.email)) == 2
    assert (
        OutboxEmail.objects.filter(
            key__in=[
                f"notifications:{cast.member.pk}:{notice.pk}",
                f"notifications:{cast.member.pk}:{notice.pk}:1",
            ]
        ).count()
        == 2
    )


def test_notification_emails_tell_new_news_of_a_collapsed_notice(cast, smtp_sink, run):
    """A collapsed notice ("2 new help messages") bumped after it was emailed is news again."""
    kwargs = {
        "url": "/c/open-practice/help/1/",
        "community": cast.public,
        "person": "Maya",
        "subject": "Uploads",
    }
    first = services.notify_collapsed(cast.facilitator, "help_request.reply", **kwargs)
    age(first)
    run()
    assert len(smtp_sink.to(cast.facilitator.email)) == 1

    bumped = services.notify_collapsed(cast.facilitator, "help_request.reply", **kwargs)
    assert bumped.pk == first.pk
    assert bumped.emailed_at is None
    age(bumped)
    run()

    assert len(smtp_sink.to(cast.facilitator.email)) == 2


def test_notification_emails_one_notification_is_its_own_subject(cast, smtp_sink, run):
    age(mention(cast.member, cast.public, thread="Fractions"))
    run()

    [message] = smtp_sink.to(cast.member.email)
    assert subject_of(message) == "[Praxis] Olga mentioned you in “Fractions”."


def test_notification_emails_leave_out_a_community_the_member_left(cast, smtp_sink, run):
    kept = mention(cast.member, cast.public, thread="Kept")
    gone = mention(cast.member, cast.private, thread="Secret plans")
    age(kept, gone)
    Membership.objects.filter(user=cast.member, community=cast.private).delete()

    run()

    [message] = smtp_sink.to(cast.member.email)
    assert "Kept" in smtp_sink.text_of(message)
    assert "Secret plans" not in smtp_sink.text_of(message)
    assert "Secret plans" not in smtp_sink.html_of(message)
    # Decided: it is not emailed later either.
    gone.refresh_from_db()
    assert gone.emailed_at is not None


def test_notification_emails_leave_out_a_private_community_of_a_suspended_member(
    cast, smtp_sink, run
):
    age(mention(cast.member, cast.private, thread="Secret plans"))
    Membership.objects.filter(user=cast.member, community=cast.private).update(
        state=Membership.State.SUSPENDED
    )

    run()

    assert smtp_sink.to(cast.member.email) == []


def test_notification_emails_tell_a_suspension_to_the_suspended(cast, smtp_sink, run):
    membership = Membership.objects.get(user=cast.member, community=cast.private)
    membership.state = Membership.State.SUSPENDED
    membership.save(update_fields=["state"])
    notice = services.notify(
        cast.member,
        "member.suspend",
        url="/c/closed-circle/",
        community=cast.private,
        community_name=cast.private.name,
        reason="Spam",
    )
    age(notice)

    run()

    [message] = smtp_sink.to(cast.member.email)
    assert "suspended" in subject_of(message)


def test_notification_emails_mark_an_event_with_no_kind_without_emailing(
    cast, smtp_sink, run, monkeypatch
):
    monkeypatch.delitem(emails.KIND_OF_EVENT, ForumEvent.POST_MENTION.value)
    unmapped = mention(cast.member, cast.public)
    age(unmapped)

    run()

    assert smtp_sink.to(cast.member.email) == []
    unmapped.refresh_from_db()
    assert unmapped.emailed_at is not None


def test_notification_emails_of_several_communities_name_none(cast, smtp_sink, run):
    age(mention(cast.member, cast.public, thread="Open"), mention(cast.member, cast.private))

    run()

    [message] = smtp_sink.to(cast.member.email)
    assert subject_of(message) == "[Praxis] 2 new notifications"
    assert "Closed Circle" in smtp_sink.text_of(message)


def test_notification_emails_skip_what_was_read_in_the_app(cast, smtp_sink, run):
    read = mention(cast.member, cast.public)
    services.mark_notification_read(read, actor=cast.member)
    age(read)

    run()

    assert smtp_sink.to(cast.member.email) == []
    read.refresh_from_db()
    assert read.emailed_at is not None


def test_notification_emails_leave_hidden_ones_alone(cast, smtp_sink, run):
    hidden = mention(cast.member, cast.public)
    Notification.objects.filter(pk=hidden.pk).update(is_hidden=True)
    age(hidden)

    run()

    assert smtp_sink.to(cast.member.email) == []
    hidden.refresh_from_db()
    assert hidden.emailed_at is None


def test_notification_emails_follow_the_choice_per_kind(cast, smtp_sink, run):
    cast.member.email_preferences = {"mentions": "off"}
    cast.member.save(update_fields=["email_preferences"])
    cast.facilitator.email_preferences = {"mentions": "digest"}
    cast.facilitator.save(update_fields=["email_preferences"])
    off = mention(cast.member, cast.public)
    for_digest = mention(cast.facilitator, cast.public)
    age(off, for_digest)

    run()

    assert smtp_sink.to(cast.member.email) == []
    assert smtp_sink.to(cast.facilitator.email) == []
    off.refresh_from_db()
    for_digest.refresh_from_db()
    assert off.emailed_at is not None
    # Left for the digest, which marks what it includes.
    assert for_digest.emailed_at is None
    assert cast.facilitator.pk not in notification_emails.recipients_due()


def test_notification_emails_replies_wait_for_the_digest_by_default(cast, smtp_sink, run):
    reply = services.notify(
        cast.member,
        ForumEvent.POST_REPLY,
        url=THREAD_URL,
        community=cast.public,
        person="Olga",
        thread="Fractions",
    )
    age(reply)

    run()

    assert smtp_sink.to(cast.member.email) == []
    assert notification_emails.recipients_due() == []


def test_notification_emails_speak_the_members_language(cast, smtp_sink, run):
    cast.member.language = "fr"
    cast.member.save(update_fields=["language"])
    age(mention(cast.member, cast.public, thread="Fractions"))

    run()

    [message] = smtp_sink.to(cast.member.email)
    assert subject_of(message) == "[Praxis] Olga vous a mentionné dans « Fractions »."
    assert "Olga vous a mentionné dans « Fractions »." in smtp_sink.text_of(message)
    assert 'lang="fr"' in smtp_sink.html_of(message)


def test_notification_emails_carry_one_click_unsubscribe(cast, smtp_sink, run, client):
    age(mention(cast.member, cast.public))
    run()

    [message] = smtp_sink.to(cast.member.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header(message, "List-Unsubscribe").strip("<>")
    assert link.startswith("http://127.0.0.1:8000/email/unsubscribe/")
    assert link in smtp_sink.text_of(message)

    response = client.post(
        link.removeprefix("http://127.0.0.1:8000"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    cast.member.refresh_from_db()
    assert emails.preference(cast.member, "mentions") == emails.OFF
    assert emails.preference(cast.member, "moderation") == emails.IMMEDIATE


def test_notification_emails_of_several_kinds_unsubscribe_from_the_most_frequent(
    cast, smtp_sink, run
):
    first = services.notify(
        cast.member,
        "member.role",
        url="/c/open-practice/",
        community=cast.public,
        community_name=cast.public.name,
        role="facilitator",
    )
    age(first, mention(cast.member, cast.public), mention(cast.member, cast.public, thread="B"))

    run()

    [message] = smtp_sink.to(cast.member.email)
    token = header(message, "List-Unsubscribe").strip("<>").rstrip("/").rpartition("/")[2]
    assert emails.read_unsubscribe_token(token) == (cast.member.pk, "mentions")
    # The footer offers the preferences, not one kind's link, for an email of several kinds.
    assert "/notifications/email/" in smtp_sink.text_of(message)
    assert "Stop emails about" not in smtp_sink.text_of(message)


def test_notification_emails_reply_to_for_a_single_notification(cast, smtp_sink, run):
    previous = list(emails._REPLY_ADDRESS)
    emails.register_reply_address(lambda user, n: f"reply+{user.pk}-{n.pk}@praxis.example")
    try:
        notice = mention(cast.member, cast.public)
        age(notice)
        run()
    finally:
        emails._REPLY_ADDRESS[:] = previous

    [message] = smtp_sink.to(cast.member.email)
    assert message["Reply-To"] == f"reply+{cast.member.pk}-{notice.pk}@praxis.example"


def test_notification_emails_query_count_does_not_grow_with_notifications(cast, monkeypatch):
    # An email about one notification also asks for its Reply-To (facilitation.inbound, a
    # fixed few queries); this counts the batch's own queries.
    monkeypatch.setattr(emails, "_REPLY_ADDRESS", [])

    def batch_of(count: int) -> tuple[list[int], int]:
        people = [UserFactory() for _ in range(3)]
        for person in people:
            MembershipFactory(user=person, community=cast.public)
            age(*[mention(person, cast.public, thread=f"T{i}") for i in range(count)])
        ids = [person.pk for person in people]
        with CaptureQueriesContext(connection) as queries:
            assert notification_emails.email_notifications_to(ids) == 3
        return ids, len(queries)

    _few, one_each = batch_of(1)
    _many, twenty_each = batch_of(20)

    assert one_each == twenty_each


def test_notification_emails_hand_people_to_batches_of_fifty(cast, monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr(
        tasks, "delay_in_batches", lambda task, ids, size: handed.append((ids, size))
    )
    age(mention(cast.member, cast.public), mention(cast.facilitator, cast.public))

    assert tasks.email_notifications() == 2
    assert handed == [(sorted([cast.member.pk, cast.facilitator.pk]), 50)]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_notification_emails_through_a_real_worker_send_once(celery_worker):
    require(celery_worker is not None, "a Celery worker (CELERY_BROKER_URL)")
    mail_dir = celery_worker.data_dir / "mail"
    before = set(mail_dir.glob("*")) if mail_dir.exists() else set()
    community = CommunityFactory()
    person = MembershipFactory(community=community).user
    first = mention(person, community, thread="Worker thread")
    age(first, mention(person, community, thread="Second thread"))

    assert tasks.email_notifications.delay().get(timeout=30) == 1
    # The batch task queues the email, then another task sends it.
    rows = OutboxEmail.objects.filter(key=f"notifications:{person.pk}:{first.pk}")
    deadline = time.monotonic() + 30
    while not rows.filter(sent_at__isnull=False).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    row = rows.get()
    # A second tick finds nothing left to tell.
    assert tasks.email_notifications.delay().get(timeout=30) == 0

    assert row.sent_at is not None, row.last_error
    assert OutboxEmail.objects.filter(to=person.email).count() == 1
    new_files = [
        path for path in set(mail_dir.glob("*")) - before if person.email in path.read_text()
    ]
    assert len(new_files) == 1
    assert "Worker thread" in new_files[0].read_text()
