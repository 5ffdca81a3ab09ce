"""The facilitators' dashboard at /c/<slug>/facilitate/: who may see it, its tiles and lists,
the nudge, and the checklist's one-click threads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Community, HelpRequest, Notification
from facilitation.events import FacilitationEvent
from facilitation.models import CommunitySetup
from forums.models import Thread
from tests.factories import MembershipFactory, UserFactory
from tests.forums.factories import forum_in

pytestmark = pytest.mark.django_db

URL = "/c/{}/facilitate/"


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("principal", "public", "private"),
    [
        ("anonymous", 302, 404),
        ("outsider", 403, 404),
        ("member", 403, 403),
        ("facilitator", 200, 200),
        ("organizer", 200, 200),
        ("other_member", 403, 404),
        ("staff", 403, 403),
    ],
)
def test_dashboard_permissions(cast, client_for, principal, public, private):
    client = client_for(principal)
    assert client.get(URL.format(cast.public.slug)).status_code == public
    assert client.get(URL.format(cast.private.slug)).status_code == private


def test_dashboard_archived_community_still_shows_read_only(cast, facilitator_client):
    person = _silent_newcomer(cast.public)
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])
    response = facilitator_client.get(URL.format(cast.public.slug))
    assert response.status_code == 200
    page = _text(response)
    assert "archived" in page
    # No nagging and no nudging in a read-only community.
    assert "Getting started" not in page
    assert "Nia Newcomer" in page
    assert "facilitate/nudge/" not in page
    nudge = f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/"
    assert facilitator_client.post(nudge, {"message": "Hi"}).status_code == 403


def test_dashboard_tab_shows_to_facilitators_only(cast, facilitator_client, member_client):
    assert URL.format(cast.public.slug) in _text(facilitator_client.get(f"/c/{cast.public.slug}/"))
    assert URL.format(cast.public.slug) not in _text(member_client.get(f"/c/{cast.public.slug}/"))


def test_dashboard_lists_open_help_requests(cast, facilitator_client):
    for number in range(7):
        HelpRequest.objects.create(
            community=cast.public, asker=cast.member, subject=f"Stuck on upload {number}"
        )
    HelpRequest.objects.create(
        community=cast.public,
        asker=cast.member,
        subject="Closed one",
        state=HelpRequest.State.CLOSED,
    )
    page = _text(facilitator_client.get(URL.format(cast.public.slug)))
    assert page.count('class="list-group-item help-request-row"') == 5
    assert "Closed one" not in page
    latest = HelpRequest.objects.filter(subject="Stuck on upload 6").get()
    assert f"/c/{cast.public.slug}/help/{latest.pk}/" in page


def test_dashboard_empty_community_shows_dashes(cast, facilitator_client):
    response = facilitator_client.get(URL.format(cast.public.slug))
    tiles = response.context["tiles"]
    assert tiles.median_first_reply is None
    assert response.context["median_wait"] == "—"
    assert tiles.response_rate is None


# --- Nudge ----------------------------------------------------------------------------------


def _silent_newcomer(community, days=20):
    person = UserFactory(display_name="Nia Newcomer")
    MembershipFactory(
        community=community, user=person, joined_at=timezone.now() - timedelta(days=days)
    )
    return person


def test_nudge_sends_one_notification_and_shows_on_the_dashboard(cast, facilitator_client):
    person = _silent_newcomer(cast.public)
    page = _text(facilitator_client.get(URL.format(cast.public.slug)))
    assert f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/" in page

    url = f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/"
    first = facilitator_client.post(url, {"message": "How is the new term going?"})
    second = facilitator_client.post(url, {"message": "How is the new term going?"})
    assert first.status_code == second.status_code == 302
    nudges = Notification.objects.filter(recipient=person, verb=FacilitationEvent.MEMBER_NUDGE)
    assert nudges.count() == 1
    text = nudges.get().text
    assert "Fatou Facilitator" in text
    assert "Open Practice" in text
    assert "How is the new term going?" in text
    page = _text(facilitator_client.get(URL.format(cast.public.slug)))
    assert url not in page
    assert "Nudged" in page


def test_nudge_again_after_fourteen_days(cast, facilitator_client):
    person = _silent_newcomer(cast.public)
    url = f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/"
    facilitator_client.post(url, {"message": "Hello"})
    Notification.objects.filter(recipient=person).update(
        created_at=timezone.now() - timedelta(days=14, seconds=1)
    )
    facilitator_client.post(url, {"message": "Hello again"})
    assert Notification.objects.filter(recipient=person).count() == 2


@pytest.mark.parametrize(
    ("principal", "status"),
    [("member", 403), ("outsider", 403), ("anonymous", 302), ("staff", 403)],
)
def test_nudge_refused_to_non_facilitators(cast, client_for, principal, status):
    person = _silent_newcomer(cast.public)
    response = client_for(principal).post(
        f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/", {"message": "Hi"}
    )
    assert response.status_code == status
    assert not Notification.objects.filter(recipient=person).exists()


def test_nudge_of_a_stranger_or_oneself_is_refused(cast, facilitator_client):
    stranger = UserFactory()
    slug = cast.public.slug
    assert facilitator_client.post(f"/c/{slug}/facilitate/nudge/{stranger.pk}/").status_code == 404
    assert (
        facilitator_client.post(
            f"/c/{slug}/facilitate/nudge/{cast.facilitator.pk}/", {"message": "Hi"}
        ).status_code
        == 403
    )
    assert (
        facilitator_client.get(f"/c/{slug}/facilitate/nudge/{cast.member.pk}/").status_code == 405
    )
    assert not Notification.objects.filter(verb=FacilitationEvent.MEMBER_NUDGE).exists()


def test_nudge_with_bad_input_never_fails(cast, facilitator_client):
    person = _silent_newcomer(cast.public)
    url = f"/c/{cast.public.slug}/facilitate/nudge/{person.pk}/"
    for message in ["", "x" * 5000, "   "]:
        assert facilitator_client.post(url, {"message": message}).status_code == 302
    # A NUL is refused (400 from the middleware, or the form's own error): never a 5xx.
    assert facilitator_client.post(url, {"message": "\x00"}).status_code in (302, 400)
    assert not Notification.objects.filter(recipient=person).exists()
    huge = f"/c/{cast.public.slug}/facilitate/nudge/99999999999999999999/"
    assert facilitator_client.post(huge, {"message": "Hi"}).status_code == 404


# --- Checklist actions ----------------------------------------------------------------------


def test_welcome_post_is_created_pinned_and_ticks_the_checklist(cast, facilitator_client):
    forum = forum_in(cast.public, name="General", slug="general")
    slug = cast.public.slug
    page = facilitator_client.get(f"/c/{slug}/facilitate/welcome/")
    assert page.status_code == 200
    assert "Welcome to Open Practice" in _text(page)
    submission = page.context["form"]  # the form is pre-filled
    assert submission.initial["forum"] == forum.pk
    data = {
        "forum": forum.pk,
        "title": "Welcome, all",
        "body": "Glad you are here.",
        "submission": "0123456789abcdef0123456789abcdef",
    }
    first = facilitator_client.post(f"/c/{slug}/facilitate/welcome/", data)
    second = facilitator_client.post(f"/c/{slug}/facilitate/welcome/", data)
    assert first.status_code == second.status_code == 302
    thread = Thread.objects.get(community=cast.public)
    assert thread.is_pinned and thread.title == "Welcome, all"
    setup = CommunitySetup.objects.get(community=cast.public)
    assert setup.welcome_thread == thread
    # Done: the page now leads to the thread, and the checklist item is ticked.
    assert facilitator_client.get(f"/c/{slug}/facilitate/welcome/").url == thread.get_absolute_url()
    dashboard = facilitator_client.get(URL.format(slug))
    [item] = [i for i in dashboard.context["checklist"].items if i.key == "welcome"]
    assert item.done and item.url == thread.get_absolute_url()


def test_introductions_thread_keeps_typed_text_on_error(cast, facilitator_client):
    forum = forum_in(cast.public)
    slug = cast.public.slug
    response = facilitator_client.post(
        f"/c/{slug}/facilitate/introductions/",
        {"forum": forum.pk, "title": "", "body": "Say hello, typed by me"},
    )
    assert response.status_code == 200
    assert "Say hello, typed by me" in _text(response)
    response = facilitator_client.post(
        f"/c/{slug}/facilitate/introductions/",
        {"forum": "999999999999999999999", "title": "Hi", "body": "x"},
    )
    assert response.status_code == 200
    response = facilitator_client.post(
        f"/c/{slug}/facilitate/introductions/", {"forum": forum.pk, "title": "Hi\x00", "body": "x"}
    )
    assert response.status_code in (200, 400)
    facilitator_client.post(
        f"/c/{slug}/facilitate/introductions/",
        {"forum": forum.pk, "title": "Who are we?", "body": "Say hello."},
    )
    setup = CommunitySetup.objects.get(community=cast.public)
    assert setup.introductions_thread.title == "Who are we?"
    assert not setup.introductions_thread.is_pinned


def test_starter_thread_pages_refused(cast, client_for):
    forum_in(cast.public)
    for name in ("welcome", "introductions"):
        assert (
            client_for("member").get(f"/c/{cast.public.slug}/facilitate/{name}/").status_code == 403
        )
        assert (
            client_for("outsider").get(f"/c/{cast.private.slug}/facilitate/{name}/").status_code
            == 404
        )
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])
    assert (
        client_for("facilitator").get(f"/c/{cast.public.slug}/facilitate/welcome/").status_code
        == 403
    )


def test_starter_thread_without_a_forum_says_so(cast, facilitator_client):
    response = facilitator_client.get(f"/c/{cast.public.slug}/facilitate/welcome/")
    assert "no open forum yet" in _text(response)


def test_welcome_defaults_follow_the_community_language(cast, facilitator_client, monkeypatch):
    from django.utils import translation

    from facilitation.dashboard import forms

    monkeypatch.setattr(forms, "gettext", lambda text: f"[{translation.get_language()}] {text}")
    forum_in(cast.public)
    cast.public.language = "fr"
    cast.public.save(update_fields=["language"])
    page = _text(facilitator_client.get(f"/c/{cast.public.slug}/facilitate/welcome/"))
    assert "[fr] Welcome to" in page
    assert "[fr] Tell us who you are" in _text(
        facilitator_client.get(f"/c/{cast.public.slug}/facilitate/introductions/")
    )


def test_dashboard_tiles_link_where_one_acts_and_thresholds_show(cast, facilitator_client):
    cast.public.core_threshold = 17
    cast.public.save(update_fields=["core_threshold"])
    page = _text(facilitator_client.get(URL.format(cast.public.slug)))
    slug = cast.public.slug
    for address in (
        f"/c/{slug}/members/",
        f"/c/{slug}/latest/",
        f"/c/{slug}/requests/",
        f"/c/{slug}/facilitate/moderation/",
        f"/c/{slug}/help/",
        f"/c/{slug}/assessments/",
        f"/c/{slug}/documents/",
        "#unanswered",
        "#participation",
        f"/c/{slug}/facilitate/export/members.csv",
        f"/c/{slug}/facilitate/export/activity.csv",
    ):
        assert f'href="{address}"' in page, address
    assert page.count('class="card h-100 tile') == 10
    assert "How levels are counted" in page
    assert "Core: 17 contributions or more." in page


def test_dashboard_settings_link_for_organizers_only(cast, facilitator_client, organizer_client):
    link = f'<a href="/c/{cast.public.slug}/settings/">Change the thresholds'
    assert link in _text(organizer_client.get(URL.format(cast.public.slug)))
    page = _text(facilitator_client.get(URL.format(cast.public.slug)))
    assert link not in page
    assert "Organizers change the thresholds" in page


def test_format_wait():
    from facilitation.dashboard.views import format_wait

    assert format_wait(None) == "—"
    assert format_wait(timedelta(seconds=30)) == "0 min"
    assert format_wait(timedelta(minutes=59)) == "59 min"
    assert format_wait(timedelta(hours=3, minutes=20)) == "3 h 20 min"
    assert format_wait(timedelta(days=2, hours=5, minutes=9)) == "2 d 5 h"
    assert format_wait(timedelta(seconds=-5)) == "0 min"
