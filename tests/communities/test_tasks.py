from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Invitation
from communities.tasks import send_invitation_emails
from tests.conftest import require
from tests.factories import CommunityFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_URL = "http://praxis.example.org"


def _now() -> str:
    return timezone.now().isoformat()


def test_tasks_send_invitation_emails_sends_each_invitation_once(mailoutbox):
    invitation = InvitationFactory(created_by=UserFactory(display_name="Iris Inviter"))
    requested_at = _now()

    first = send_invitation_emails([invitation.pk], BASE_URL, requested_at)
    second = send_invitation_emails([invitation.pk], BASE_URL, requested_at)

    assert (first, second) == (1, 0)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [invitation.email]
    assert f"{BASE_URL}/c/{invitation.community.slug}/invite/{invitation.token}/" in message.body
    assert "Iris Inviter invites you to join" in message.body
    invitation.refresh_from_db()
    assert invitation.last_sent_at is not None


def test_tasks_send_invitation_emails_a_later_request_sends_again(mailoutbox):
    invitation = InvitationFactory()
    send_invitation_emails([invitation.pk], BASE_URL, _now())

    again = send_invitation_emails([invitation.pk], BASE_URL, _now())

    assert again == 1
    assert len(mailoutbox) == 2


def test_tasks_send_invitation_emails_skips_revoked_and_dead_invitations(mailoutbox):
    community = CommunityFactory()
    revoked = InvitationFactory(community=community, revoked_at=timezone.now())
    expired = InvitationFactory(
        community=community, expires_at=timezone.now() - timedelta(seconds=1)
    )
    used = InvitationFactory(community=community, use_count=1)
    link = InvitationFactory(community=community, kind=Invitation.Kind.LINK, email="")
    ids = [revoked.pk, expired.pk, used.pk, link.pk]

    assert send_invitation_emails(ids, BASE_URL, _now()) == 0
    assert mailoutbox == []
    assert not Invitation.objects.filter(last_sent_at__isnull=False).exists()


def test_tasks_send_invitation_emails_tolerates_deleted_ids(mailoutbox):
    gone, kept = InvitationFactory(), InvitationFactory()
    gone_id = gone.pk
    gone.delete()

    sent = send_invitation_emails([gone_id, kept.pk, 10**9], BASE_URL, _now())

    assert sent == 1
    assert [message.to for message in mailoutbox] == [[kept.email]]


def test_tasks_send_invitation_emails_writes_in_the_communitys_language(mailoutbox):
    from django.utils import translation

    invitation = InvitationFactory(community=CommunityFactory(language="fr"))

    send_invitation_emails([invitation.pk], BASE_URL, _now())

    with translation.override("fr"):
        expected = translation.gettext("If you do not want to join, ignore this email.")
    assert expected in mailoutbox[0].body


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_tasks_send_invitation_emails_through_a_real_worker(celery_worker):
    require(celery_worker is not None, "a Celery worker (CELERY_BROKER_URL)")
    invitation = InvitationFactory()
    mail_dir = celery_worker.data_dir / "mail"
    before = set(mail_dir.glob("*")) if mail_dir.exists() else set()

    sent = send_invitation_emails.delay([invitation.pk], BASE_URL, _now()).get(timeout=30)

    assert sent == 1
    new_files = set(mail_dir.glob("*")) - before
    link = f"{BASE_URL}/c/{invitation.community.slug}/invite/{invitation.token}/"
    assert any(link in path.read_text() for path in new_files), new_files
    invitation.refresh_from_db()
    assert invitation.last_sent_at is not None
