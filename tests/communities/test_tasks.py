"""Invitation emails go through the outbox (core/outbox.py): queued with the invitation, sent by
its task, recorded on the invitation once the mail server accepted them."""

import time

import pytest
from django.utils import timezone

from communities import services
from core.models import OutboxEmail
from core.tasks import send_outbox_batch
from tests.conftest import require
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_URL = "http://praxis.example.org"


def _invite(community=None, *, emails=("ana@example.net",), inviter=None):
    community = community or CommunityFactory()
    inviter = inviter or UserFactory(display_name="Iris Inviter")
    return services.invite_by_email(
        community, actor=inviter, emails=list(emails), base_url=BASE_URL
    )


def test_tasks_invitation_email_is_sent_once_and_recorded(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = _invite()
    row = OutboxEmail.objects.get()

    again = send_outbox_batch([row.pk])

    assert again == 0
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [invitation.email]
    assert f"{BASE_URL}/c/{invitation.community.slug}/invite/{invitation.token}/" in message.body
    assert "Iris Inviter invites you to join" in message.body
    assert row.key == f"invitation:{invitation.pk}:1"
    assert row.sent_at is not None
    invitation.refresh_from_db()
    assert invitation.last_sent_at == row.sent_at


def test_tasks_invitation_email_unsent_leaves_last_sent_at_empty(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        (invitation,) = _invite()

    assert mailoutbox == []
    invitation.refresh_from_db()
    assert invitation.last_sent_at is None


def test_tasks_invitation_email_is_written_in_the_communitys_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=True):
        _invite(CommunityFactory(language="fr"))

    with translation.override("fr"):
        expected = translation.gettext("If you do not want to join, ignore this email.")
    assert expected in mailoutbox[0].body


def test_tasks_invitation_batch_tolerates_deleted_rows(mailoutbox):
    # Not committed, so not sent: the test hands the ids to the task itself.
    _invite(emails=["gone@example.net", "kept@example.net"])
    gone = OutboxEmail.objects.get(to="gone@example.net")
    kept = OutboxEmail.objects.get(to="kept@example.net")
    gone_id = gone.pk
    gone.delete()

    sent = send_outbox_batch([gone_id, kept.pk, 10**9])

    assert sent == 1
    assert [message.to for message in mailoutbox] == [["kept@example.net"]]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_tasks_invitation_email_through_a_real_worker(celery_worker):
    require(celery_worker is not None, "a Celery worker (CELERY_BROKER_URL)")
    mail_dir = celery_worker.data_dir / "mail"
    before = set(mail_dir.glob("*")) if mail_dir.exists() else set()

    # Committed at once (transaction=True): the worker is asked right after.
    (invitation,) = _invite()

    row = OutboxEmail.objects.get(key=f"invitation:{invitation.pk}:1")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.sent_at is not None:
            break
        time.sleep(0.1)
    assert row.sent_at is not None, row.last_error
    new_files = set(mail_dir.glob("*")) - before
    link = f"{BASE_URL}/c/{invitation.community.slug}/invite/{invitation.token}/"
    assert any(link in path.read_text() for path in new_files), new_files
    invitation.refresh_from_db()
    assert invitation.last_sent_at == row.sent_at
    assert row.sent_at <= timezone.now()
