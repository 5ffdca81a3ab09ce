import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_language_browser_french_gets_french_pages(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    page = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in page
    assert "Améliorez votre pratique, ensemble." in page
    assert "Se connecter" in page
    assert "Improve your practice" not in page


def test_language_french_sign_in_page_is_in_french(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Connexion" in page
    assert "Aller au contenu principal" in page


def test_language_personal_preference_beats_the_browser(client):
    client.force_login(UserFactory(language="fr"))

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "fr"
    assert "Mes communautés" in response.content.decode()


def test_language_no_preference_follows_the_browser(client):
    client.force_login(UserFactory(language=""))

    assert client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "fr"
    assert client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


def test_language_switch_remembers_the_choice_on_the_account(client):
    person = UserFactory(language="en")
    client.force_login(person)

    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "/accounts/profile/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    person.refresh_from_db()
    assert person.language == "fr"
    assert "Modifier votre profil" in client.get("/accounts/profile/").content.decode()


def test_language_switch_works_for_visitors_through_a_cookie(client):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "fr"


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    person = UserFactory(language="en")
    client.force_login(person)

    response = client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example.com/"}
    )

    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    person.refresh_from_db()
    assert person.language == "en"


def test_language_switch_refuses_get(client):
    assert client.get(reverse("set_language")).status_code == 405


def test_language_applied_at_login(client):
    person = UserFactory(language="fr")

    response = client.post(
        reverse("account_login"),
        {"login": person.email, "password": "a-Long-test-passphrase-42"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert response["Content-Language"] == "fr"
