"""The email preferences page: a choice per kind of email, the digest's frequency, time zone and
language; facilitators' kinds only for those who facilitate."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from communities import emails, notification_emails
from tests.communities.helpers import after_redirect, text

pytestmark = pytest.mark.django_db

URL = "/notifications/email/"


def form_data(**changes) -> dict:
    data = {
        "kind_mentions": "immediate",
        "kind_replies": "digest",
        "kind_moderation": "immediate",
        "kind_membership": "immediate",
        "kind_help": "immediate",
        "kind_assessments": "immediate",
        "kind_facilitators": "immediate",
        "digest_frequency": "weekly",
        "time_zone": "UTC",
        "language": "",
    }
    data.update(changes)
    return data


def test_email_preferences_url_is_stable():
    assert reverse("email_preferences") == URL


def test_email_preferences_need_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_email_preferences_show_each_kind_as_an_accessible_choice(cast, login):
    page = text(login(cast.member).get(URL))

    assert "<legend" in page and "Mentions" in page and "Digest" in page
    assert 'type="radio" name="kind_mentions" value="immediate"' in page
    assert 'name="kind_replies" value="digest"' in page
    # A member who facilitates nowhere is not asked about join requests or reminders.
    assert "kind_join_requests" not in page
    assert "kind_reminders" not in page


def test_email_preferences_show_facilitators_their_kinds(cast, login):
    page = text(login(cast.facilitator).get(URL))

    assert "kind_join_requests" in page
    assert "kind_reminders" in page


def test_email_preferences_are_linked_from_the_profile(cast, login):
    assert URL in text(login(cast.member).get("/accounts/profile/"))


def test_email_preferences_save(cast, login):
    client = login(cast.member)

    response = client.post(
        URL,
        form_data(
            kind_mentions="off",
            kind_replies="immediate",
            digest_frequency="daily",
            time_zone="Europe/Paris",
            language="fr",
        ),
    )

    assert response.status_code == 302
    member = User.objects.get(pk=cast.member.pk)
    assert emails.preference(member, "mentions") == emails.OFF
    assert emails.preference(member, "replies") == emails.IMMEDIATE
    assert member.digest_frequency == "daily"
    assert member.time_zone == "Europe/Paris"
    assert member.language == "fr"
    page = after_redirect(client, response)
    assert 'value="daily" class="form-check-input" id="id_digest_frequency_0" required checked' in (
        page
    )


def test_email_preferences_refuse_bad_values_and_keep_what_was_typed(cast, login):
    response = login(cast.member).post(
        URL, form_data(kind_mentions="off", time_zone="Mars/Olympus", digest_frequency="hourly")
    )

    assert response.status_code == 200
    page = text(response)
    assert 'id="id_time_zone_error"' in page
    assert 'id="id_digest_frequency_error"' in page
    # What the person chose is still chosen on the page they correct.
    assert 'value="off" class="form-check-input" id="id_kind_mentions_2" required checked' in page
    assert 'value="digest" class="form-check-input" id="id_kind_replies_1" required checked' in page
    member = User.objects.get(pk=cast.member.pk)
    assert member.email_preferences == {}
    assert member.time_zone == "UTC"


def test_email_preferences_keep_facilitator_choices_of_a_former_facilitator(cast, login):
    cast.member.email_preferences = {"join_requests": "off"}
    cast.member.save(update_fields=["email_preferences"])

    login(cast.member).post(URL, form_data(kind_mentions="digest"))

    member = User.objects.get(pk=cast.member.pk)
    assert member.email_preferences["join_requests"] == "off"
    assert member.email_preferences["mentions"] == "digest"


def test_email_preferences_offer_a_test_digest_when_it_exists(cast, login):
    page = text(login(cast.member).get(URL))
    try:
        digest_test = reverse("digest_test")
    except NoReverseMatch:
        assert "Send me a test digest now" not in page
    else:
        assert f'action="{digest_test}"' in page


def test_set_email_preferences_only_by_the_person(cast):
    with pytest.raises(PermissionDenied):
        notification_emails.set_email_preferences(
            cast.member, actor=cast.facilitator, preferences={"mentions": "off"}
        )


def test_set_email_preferences_refuse_a_choice_a_kind_does_not_have(cast):
    with pytest.raises(ValidationError):
        notification_emails.set_email_preferences(
            cast.member, actor=cast.member, preferences={"digest": "digest"}
        )
    with pytest.raises(ValidationError):
        notification_emails.set_email_preferences(
            cast.member, actor=cast.member, preferences={"nonsense": "off"}
        )


def test_email_preferences_page_is_in_french_for_a_french_member(cast, login):
    cast.member.language = "fr"
    cast.member.save(update_fields=["language"])

    page = text(login(cast.member).get(URL))

    assert 'lang="fr"' in page
