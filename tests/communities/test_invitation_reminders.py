"""Invitation reminders (issue 15, item 4): an unanswered email invitation is reminded 3 and 10
days after it was issued, each once, through the outbox to a real SMTP server; when it expires
unanswered, its inviter is told once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from communities import services
from communities.events import CommunityEvent
from communities.models import Community, Invitation, Membership, Notification
from communities.services import invitations as invitation_services
from communities.tasks import remind_invitations
from core.models import OutboxEmail
from tests.factories import CommunityFactory, InvitationFactory, MembershipFactory, UserFactory
from tests.smtp import SmtpSink

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def inviter():
    return UserFactory(display_name="Iris Inviter")


@pytest.fixture
def community(inviter):
    community = CommunityFactory(name="Heritage Planners")
    MembershipFactory(community=community, user=inviter, role=Membership.Role.FACILITATOR)
    return community


def issued(community, inviter, age: timedelta, **fields) -> Invitation:
    """An email invitation issued `age` ago (its first email reached the mail server)."""
    moment = timezone.now() - age
    fields.setdefault("expires_at", moment + timedelta(days=14))
    return InvitationFactory(
        community=community,
        created_by=inviter,
        created_at=moment,
        last_sent_at=moment,
        **fields,
    )


def run(captured, now=None):
    with captured(execute=True):
        return remind_invitations(now=now)


def test_invitation_reminder_at_three_days_not_at_two(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    two = issued(community, inviter, 2 * DAY + timedelta(hours=23))
    three = issued(community, inviter, 3 * DAY + timedelta(minutes=5))

    run(django_capture_on_commit_callbacks)

    assert smtp_sink.to(two.email) == []
    [message] = smtp_sink.to(three.email)
    assert message["Subject"] == (
        f"[{settings.COP_SITE_NAME}] Reminder: you are invited to join Heritage Planners"
    )
    text = SmtpSink.text_of(message)
    link = f"{settings.COP_SITE_URL}/c/{community.slug}/invite/{three.token}/"
    assert link in text
    assert f'href="{link}"' in SmtpSink.html_of(message)
    assert "Iris Inviter invited you to join Heritage Planners" in text
    assert "(11 more days)" in text
    assert OutboxEmail.objects.filter(key=f"invitation:{three.pk}:reminder-3").exists()


def test_invitation_reminder_at_ten_days_and_never_twice(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    invitation = issued(community, inviter, 3 * DAY + timedelta(hours=1))
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)  # a second tick the same hour
    assert len(smtp_sink.to(invitation.email)) == 1

    # A week later: the ten-day reminder, once.
    later = timezone.now() + 7 * DAY
    run(django_capture_on_commit_callbacks, now=later)
    run(django_capture_on_commit_callbacks, now=later + timedelta(hours=1))
    # A redelivered batch, straight to the batch service.
    with django_capture_on_commit_callbacks(execute=True):
        again = invitation_services.remind_invitations([invitation.pk], now=later + 2 * DAY)
    assert again == {"reminded": 0, "expired": 0}

    messages = smtp_sink.to(invitation.email)
    assert len(messages) == 2
    assert "(4 more days)" in SmtpSink.text_of(messages[1])
    assert set(
        OutboxEmail.objects.filter(key__startswith=f"invitation:{invitation.pk}:").values_list(
            "key", flat=True
        )
    ) == {f"invitation:{invitation.pk}:reminder-3", f"invitation:{invitation.pk}:reminder-10"}


def test_invitation_reminder_a_late_run_sends_only_the_latest(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    invitation = issued(community, inviter, 11 * DAY)

    run(django_capture_on_commit_callbacks)

    assert len(smtp_sink.to(invitation.email)) == 1
    assert OutboxEmail.objects.get().key == f"invitation:{invitation.pk}:reminder-10"


def test_invitation_reminder_none_for_accepted_revoked_expired_unsent_or_links(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    age = 4 * DAY
    accepted = issued(community, inviter, age, use_count=1)
    revoked = issued(community, inviter, age, revoked_at=timezone.now())
    expired = issued(community, inviter, age, expires_at=timezone.now() - timedelta(hours=1))
    unsent = issued(community, inviter, age)
    Invitation.objects.filter(pk=unsent.pk).update(last_sent_at=None)
    archived = CommunityFactory(status=Community.Status.ARCHIVED)
    in_archived = issued(archived, inviter, age)
    InvitationFactory(
        community=community,
        kind=Invitation.Kind.LINK,
        email="",
        created_by=inviter,
        created_at=timezone.now() - age,
        last_sent_at=timezone.now() - age,
        max_uses=5,
    )

    run(django_capture_on_commit_callbacks)

    for invitation in (accepted, revoked, expired, unsent, in_archived):
        assert smtp_sink.to(invitation.email) == []
    assert not OutboxEmail.objects.filter(key__contains="reminder").exists()


def test_invitation_reminder_waiting_is_withdrawn_when_accepted(
    django_capture_on_commit_callbacks, community, inviter
):
    invitation = issued(community, inviter, 4 * DAY)
    with django_capture_on_commit_callbacks(execute=False):  # the broker never sends it
        remind_invitations()
    invitee = UserFactory(email=invitation.email)

    services.accept_invitation(invitation, user=invitee)

    row = OutboxEmail.objects.get(key=f"invitation:{invitation.pk}:reminder-3")
    assert row.failed_at is not None and row.sent_at is None


def test_invitation_expiry_tells_the_inviter_once(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    invitation = issued(community, inviter, 14 * DAY + timedelta(hours=1))
    accepted = issued(community, inviter, 14 * DAY + timedelta(hours=1), use_count=1)
    long_ago = issued(community, inviter, 30 * DAY)

    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = invitation_services.remind_invitations([invitation.pk])
    assert again == {"reminded": 0, "expired": 0}

    [notice] = Notification.objects.filter(verb=CommunityEvent.INVITATION_EXPIRE)
    assert notice.recipient == inviter
    assert notice.community == community
    assert notice.url == f"/c/{community.slug}/invitations/"
    assert invitation.email in notice.text and "Heritage Planners" in notice.text
    assert notice.target == f"communities.invitation:{invitation.pk}"
    # No email to the invitee about it, and nothing for the accepted or long-expired ones.
    assert smtp_sink.to(invitation.email) == []
    assert accepted.email not in notice.text and long_ago.email not in notice.text


def test_invitation_expiry_not_told_to_an_inviter_who_can_no_longer_invite(
    django_capture_on_commit_callbacks, community, inviter
):
    issued(community, inviter, 14 * DAY + timedelta(hours=1))
    Membership.objects.filter(community=community, user=inviter).update(role=Membership.Role.MEMBER)

    run(django_capture_on_commit_callbacks)

    assert not Notification.objects.filter(verb=CommunityEvent.INVITATION_EXPIRE).exists()


def test_invitation_reminder_is_in_the_communitys_language(
    smtp_sink, django_capture_on_commit_callbacks, inviter
):
    community = CommunityFactory(language="fr")
    MembershipFactory(community=community, user=inviter, role=Membership.Role.ORGANIZER)
    invitation = issued(community, inviter, 3 * DAY + timedelta(hours=1))

    run(django_capture_on_commit_callbacks)

    [message] = smtp_sink.to(invitation.email)
    assert '<html lang="fr">' in SmtpSink.html_of(message)


def test_invitation_reminder_a_renewed_invitation_counts_from_its_renewal(
    smtp_sink, django_capture_on_commit_callbacks, community, inviter
):
    # Created 20 days ago, expired, then invited again today: issued today.
    invitation = issued(
        community, inviter, 20 * DAY, expires_at=timezone.now() + timedelta(days=14)
    )

    run(django_capture_on_commit_callbacks)

    assert smtp_sink.to(invitation.email) == []


def test_invitation_reminder_batches_of_fifty(
    monkeypatch, django_capture_on_commit_callbacks, community, inviter
):
    from communities import tasks

    invitations = [issued(community, inviter, 4 * DAY) for _ in range(60)]
    batches = []
    real_delay = tasks.remind_invitation_batch.delay

    def delay(ids, *args, **kwargs):
        batches.append(len(ids))
        return real_delay(ids, *args, **kwargs)

    monkeypatch.setattr(tasks.remind_invitation_batch, "delay", delay)
    with django_capture_on_commit_callbacks(execute=False):
        assert remind_invitations() == 60

    assert batches == [50, 10]
    keys = set(OutboxEmail.objects.values_list("key", flat=True))
    assert keys == {f"invitation:{invitation.pk}:reminder-3" for invitation in invitations}
