import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_email_and_password_signs_in(client):
    person = UserFactory()

    response = _login(client, person.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200


def test_login_wrong_password_explains_and_keeps_the_email(client):
    person = UserFactory()

    response = _login(client, person.email, "not-the-password")

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert person.email in response.content.decode()


def test_login_sixth_failed_attempt_in_a_row_is_refused(client):
    person = UserFactory()
    for _attempt in range(5):
        response = _login(client, person.email, "wrong-password")
        assert "Too many failed login attempts" not in response.content.decode()

    # Even the right password is refused once the limit is reached.
    response = _login(client, person.email, TEST_PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_unverified_email_is_sent_to_verification(client):
    person = UserFactory()
    person.emailaddress_set.update(verified=False)

    response = _login(client, person.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_signup_does_not_reveal_an_existing_account(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    existing = UserFactory()
    form = {"password1": "Another-passphrase-77", "password2": "Another-passphrase-77"}

    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(reverse("account_signup"), {**form, "email": "new-person@example.org"})
        taken = client.post(reverse("account_signup"), {**form, "email": existing.email})

    # Both answers look the same; only the owner of the address learns, by email, what happened.
    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"] == reverse("account_email_verification_sent")
    assert len(mailoutbox) == 2
    assert {message.to[0] for message in mailoutbox} == {"new-person@example.org", existing.email}


def test_password_reset_does_not_reveal_whether_an_account_exists(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    existing = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": existing.email})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Each address's owner is told by email; only the existing account gets a reset link.
    reset, no_account = mailoutbox
    assert reset.to == [existing.email] and "/accounts/password/reset/key/" in reset.body
    assert no_account.to == ["nobody@example.org"]
    assert "/accounts/password/reset/key/" not in no_account.body


def test_signup_saves_display_name_and_language(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "camille@example.org",
                "display_name": "Camille",
                "password1": "Another-passphrase-77",
                "password2": "Another-passphrase-77",
            },
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    from accounts.models import User

    person = User.objects.get(email="camille@example.org")
    assert person.display_name == "Camille"
    assert person.language == "fr"
    assert mail.outbox[0].subject.startswith("[Praxis]")


def test_signup_refuses_a_mismatched_password_with_a_message(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "Another-passphrase-77", "password2": "other"},
    )

    assert response.status_code == 200
    assert "You must type the same password each time" in response.content.decode()
    assert 'value="x@example.org"' in response.content.decode()


def test_login_rate_limit_counts_each_client_behind_the_proxy(client, settings):
    """Behind the documented proxy every request comes from its address: the limit must count
    the address the proxy reports, or one person's failed logins lock everybody out."""
    settings.COP_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    second = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.9"}

    def attempt(headers, number):
        return client.post(
            reverse("account_login"),
            {"login": f"nobody{number}@example.org", "password": "wrong"},
            **headers,
        )

    def refused(response) -> bool:
        return "Too many failed login attempts" in response.content.decode()

    answers = [refused(attempt(first, number)) for number in range(11)]
    assert answers[:10] == [False] * 10
    assert answers[10], "the eleventh failed login from one address within a minute is refused"

    assert not refused(attempt(second, 99)), "another client behind the same proxy is not"
    # A client cannot escape by writing its own X-Forwarded-For: the proxy appends the real one.
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"}
    assert refused(attempt(spoofed, 100))


def test_account_emails_go_through_the_outbox_and_name_the_installation(
    client, settings, django_capture_on_commit_callbacks
):
    """A password reset asked while the mail server is away still answers at once; the email
    waits in the outbox for the sweeper, and names the installation, not the request's host."""
    from core.models import OutboxEmail
    from core.tasks import sweep_outbox
    from tests.core.mail_backends import RecordingBackend

    settings.EMAIL_BACKEND = "tests.core.mail_backends.RecordingBackend"
    settings.COP_SITE_NAME = "Réseau Praxis"
    RecordingBackend.reset()
    RecordingBackend.unreachable = True
    person = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": person.email})

    assert response.status_code == 302
    row = OutboxEmail.objects.get(key__startswith="account:password_reset_key:")
    assert row.to == person.email and row.sent_at is None
    assert "/accounts/password/reset/key/" in row.body
    assert "Réseau Praxis" in row.body and "testserver" not in row.body.split("http")[0]
    assert RecordingBackend.accepted() == []

    RecordingBackend.unreachable = False
    OutboxEmail.objects.update(next_attempt_at=row.created_at)
    sweep_outbox()
    assert RecordingBackend.accepted() == [person.email]
    RecordingBackend.reset()
