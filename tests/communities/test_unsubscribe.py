"""The unsubscribe link of every email: works without logging in, only for its kind and its
person; RFC 8058 one-click from a mail provider; a forged token finds nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from communities import emails
from tests.communities.helpers import text

pytestmark = pytest.mark.django_db


def link(person, kind: str) -> str:
    return reverse("email_unsubscribe", args=[emails.unsubscribe_token(person, kind)])


def test_unsubscribe_asks_before_it_stops(cast):
    response = Client().get(link(cast.member, "mentions"))

    assert response.status_code == 200
    page = text(response)
    assert "Stop emails about Mentions?" in page
    assert '<form method="post">' in page
    assert User.objects.get(pk=cast.member.pk).email_preferences == {}


def test_unsubscribe_stops_one_kind_without_login(cast):
    response = Client(enforce_csrf_checks=True).post(link(cast.member, "mentions"))

    assert response.status_code == 200
    assert "You will no longer receive emails about Mentions." in text(response)
    assert reverse("email_preferences") in text(response)
    member = User.objects.get(pk=cast.member.pk)
    assert member.email_preferences == {"mentions": "off"}
    assert member.digest_frequency == "weekly"


def test_unsubscribe_one_click_from_a_mail_provider(cast):
    cast.member.email_preferences = {"replies": "immediate"}
    cast.member.save(update_fields=["email_preferences"])
    # A provider posts with no cookie and no CSRF token (RFC 8058).
    provider = Client(enforce_csrf_checks=True)

    response = provider.post(
        link(cast.member, "moderation"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    member = User.objects.get(pk=cast.member.pk)
    assert member.email_preferences == {"replies": "immediate", "moderation": "off"}
    others = User.objects.exclude(pk=cast.member.pk)
    assert not any(person.email_preferences for person in others)


def test_unsubscribe_from_the_digest_turns_its_frequency_off(cast):
    Client().post(link(cast.member, "digest"))

    member = User.objects.get(pk=cast.member.pk)
    assert member.digest_frequency == "off"
    assert member.email_preferences == {}


def test_unsubscribe_twice_is_harmless(cast):
    url = link(cast.member, "mentions")
    Client().post(url)

    response = Client().post(url)

    assert response.status_code == 200
    assert User.objects.get(pk=cast.member.pk).email_preferences == {"mentions": "off"}


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJ1IjoxLCJrIjoibWVudGlvbnMifQ:1abcde:forgedsignature",
        "a" * 600,
        "%ff%fe",
        "..%2F..%2Fetc",
    ],
)
def test_unsubscribe_a_forged_token_is_not_found(cast, token):
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/email/unsubscribe/{token}/")
        assert response.status_code == 404
    assert not any(person.email_preferences for person in User.objects.all())


def test_unsubscribe_a_token_of_another_kind_of_signature_is_not_found(cast):
    from django.core import signing

    token = signing.dumps({"u": cast.member.pk, "k": "mentions"}, compress=True)

    assert Client().post(f"/email/unsubscribe/{token}/").status_code == 404


def test_unsubscribe_a_deleted_account_is_not_found(cast):
    url = link(cast.outsider, "mentions")
    cast.outsider.delete()

    assert Client().get(url).status_code == 404


def test_unsubscribe_speaks_the_persons_language(cast):
    cast.member.language = "fr"
    cast.member.save(update_fields=["language"])

    page = text(Client().get(link(cast.member, "mentions")))

    assert 'lang="fr"' in page
