"""Closing a community and reopening it (issue 16): organizers only, confirmed, audited, told
to the facilitators, shown on every page of the community."""

import pytest
from django.urls import reverse

from communities.models import AuditEvent, Community, Membership, Notification
from communities.services.communities import close_community, reopen_community
from forums import services as forum_services
from forums.models import Thread
from tests.communities.helpers import after_redirect, htmx, text

pytestmark = pytest.mark.django_db


def _close_url(community) -> str:
    return reverse("community_close", args=[community.slug])


def _reopen_url(community) -> str:
    return reverse("community_reopen", args=[community.slug])


def _status(community) -> str:
    return Community.objects.get(pk=community.pk).status


def _audited(community, action: str) -> int:
    return AuditEvent.objects.filter(community=community, action=action).count()


def _directory(client) -> str:
    response = client.get("/", **htmx("directory"))
    assert response.status_code == 200
    return text(response)


# --- Who may close and reopen ------------------------------------------------------------------


def test_closure_organizer_sees_what_closing_does(cast, organizer_client):
    response = organizer_client.get(_close_url(cast.public))

    assert response.status_code == 200
    page = text(response)
    assert "read-only for everyone" in page
    assert "leaves the public directory" in page
    assert "public knowledge pages stay online" in page
    assert 'name="confirm"' in page


@pytest.mark.parametrize("principal", ["member", "facilitator", "outsider", "other_member"])
@pytest.mark.parametrize("route", ["community_close", "community_reopen"])
def test_closure_only_organizers_of_a_public_community_may(cast, client_for, principal, route):
    if route == "community_reopen":
        close_community(cast.public, actor=cast.organizer)
    before = _status(cast.public)
    url = reverse(route, args=[cast.public.slug])
    client = client_for(principal)

    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "on"}).status_code == 403
    assert _status(cast.public) == before


@pytest.mark.parametrize("principal", ["outsider", "other_member"])
@pytest.mark.parametrize("route", ["community_close", "community_reopen"])
def test_closure_private_community_is_hidden_from_strangers(cast, client_for, principal, route):
    url = reverse(route, args=[cast.private.slug])
    client = client_for(principal)

    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code == 404


def test_closure_anonymous_visitors_are_sent_to_log_in(cast, anon_client):
    response = anon_client.post(_close_url(cast.public), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _status(cast.public) == Community.Status.ACTIVE
    assert anon_client.post(_close_url(cast.private)).status_code == 404


# --- Closing -----------------------------------------------------------------------------------


def test_closure_needs_the_confirmation(cast, organizer_client):
    response = organizer_client.post(_close_url(cast.public), {})

    assert response.status_code == 400
    page = text(response)
    assert "Tick the box to confirm the closure." in page
    assert "tick the box to confirm" in page  # the message above the page
    assert _status(cast.public) == Community.Status.ACTIVE
    assert _audited(cast.public, "community.close") == 0


def test_closure_closes_audits_and_tells_the_facilitators(cast, organizer_client):
    response = organizer_client.post(_close_url(cast.public), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == cast.public.get_absolute_url()
    assert _status(cast.public) == Community.Status.ARCHIVED
    event = AuditEvent.objects.get(community=cast.public, action="community.close")
    assert event.actor == cast.organizer
    told = Notification.objects.filter(verb="community.close", community=cast.public)
    assert {n.recipient for n in told} == {cast.facilitator}
    # The private community of the same people is untouched.
    assert _status(cast.private) == Community.Status.ACTIVE


def test_closure_twice_closes_once(cast, organizer_client):
    organizer_client.post(_close_url(cast.public), {"confirm": "on"})
    again = organizer_client.post(_close_url(cast.public), {"confirm": "on"})

    assert again.status_code == 302
    assert "already closed" in after_redirect(organizer_client, again)
    assert _audited(cast.public, "community.close") == 1
    assert Notification.objects.filter(verb="community.close").count() == 1


def test_closure_services_change_nothing_twice(cast):
    assert close_community(cast.public, actor=cast.organizer)
    assert not close_community(cast.public, actor=cast.organizer)
    assert reopen_community(cast.public, actor=cast.organizer)
    assert not reopen_community(cast.public, actor=cast.organizer)
    assert _audited(cast.public, "community.close") == 1
    assert _audited(cast.public, "community.reopen") == 1


def test_closure_hides_from_the_directory_and_blocks_posting_and_joining(
    cast, organizer_client, member_client, outsider_client
):
    forum = forum_services.create_forum(
        cast.public, actor=cast.organizer, name="Questions", slug="questions"
    )
    assert ">Open Practice</a>" in _directory(outsider_client)

    organizer_client.post(_close_url(cast.public), {"confirm": "on"})

    assert ">Open Practice</a>" not in _directory(outsider_client)
    new_thread = reverse("thread_new", args=[cast.public.slug, forum.slug])
    member_client.post(new_thread, {"title": "Still there?", "body": "Hello?"})
    assert not Thread.objects.filter(forum=forum).exists()
    outsider_client.post(reverse("join", args=[cast.public.slug]), {"message": "Let me in"})
    assert not Membership.objects.filter(community=cast.public, user=cast.outsider).exists()
    # Reading goes on.
    assert outsider_client.get(cast.public.get_absolute_url()).status_code == 200


# --- Reopening --------------------------------------------------------------------------------


def test_closure_reopen_confirms_then_reopens(cast, organizer_client, outsider_client):
    close_community(cast.public, actor=cast.organizer)

    page = organizer_client.get(_reopen_url(cast.public))
    assert page.status_code == 200
    assert "Yes, reopen it" in text(page)
    assert _status(cast.public) == Community.Status.ARCHIVED

    response = organizer_client.post(_reopen_url(cast.public))

    assert response.status_code == 302
    assert "open again" in after_redirect(organizer_client, response)
    assert _status(cast.public) == Community.Status.ACTIVE
    assert _audited(cast.public, "community.reopen") == 1
    told = Notification.objects.filter(verb="community.reopen", community=cast.public)
    assert {n.recipient for n in told} == {cast.facilitator}
    assert ">Open Practice</a>" in _directory(outsider_client)
    outsider_client.post(reverse("join", args=[cast.public.slug]))
    assert Membership.objects.filter(community=cast.public, user=cast.outsider).exists()


def test_closure_reopen_of_an_open_community_changes_nothing(cast, organizer_client):
    response = organizer_client.post(_reopen_url(cast.public))

    assert response.status_code == 302
    assert _audited(cast.public, "community.reopen") == 0


def test_closure_audit_log_names_the_events(cast, organizer_client):
    close_community(cast.public, actor=cast.organizer)
    reopen_community(cast.public, actor=cast.organizer)

    page = text(organizer_client.get(reverse("audit_log", args=[cast.public.slug])))

    assert "Community closed" in page
    assert "Community reopened" in page


def test_closure_notifications_read_as_sentences(cast, client_for):
    close_community(cast.public, actor=cast.organizer)

    page = text(client_for("facilitator").get(reverse("notifications")))

    assert "Olga Organizer closed Open Practice: it is now read-only for everyone." in page


# --- The banner and the settings page ----------------------------------------------------------


def test_closure_banner_on_every_page_of_a_closed_community(cast, client_for):
    close_community(cast.public, actor=cast.organizer)
    pages = [
        cast.public.get_absolute_url(),
        reverse("members", args=[cast.public.slug]),
        reverse("documents", args=[cast.public.slug]),
        reverse("forum_list", args=[cast.public.slug]),
    ]
    for url in pages:
        member_page = text(client_for("member").get(url))
        assert 'role="status"' in member_page, url
        assert "This community is closed." in member_page, url
        assert "read-only" in member_page
        assert _reopen_url(cast.public) not in member_page, url
        assert _reopen_url(cast.public) in text(client_for("organizer").get(url)), url


def test_closure_no_banner_in_an_open_community(cast, organizer_client):
    page = text(organizer_client.get(cast.public.get_absolute_url()))

    assert "This community is closed." not in page


def test_closure_settings_page_links_to_the_flow(cast, organizer_client):
    settings_url = reverse("community_settings", args=[cast.public.slug])

    page = text(organizer_client.get(settings_url))
    assert "Close this community" in page
    assert _close_url(cast.public) in page
    assert 'name="status"' not in page  # the status is no setting: the flow changes it

    close_community(cast.public, actor=cast.organizer)
    page = text(organizer_client.get(settings_url))
    assert _reopen_url(cast.public) in page
    assert "reopen it to change its settings" in page


def test_closure_settings_cannot_change_while_closed(cast, organizer_client):
    close_community(cast.public, actor=cast.organizer)
    settings_url = reverse("community_settings", args=[cast.public.slug])

    response = organizer_client.post(settings_url, {"name": "Renamed while closed"})

    assert response.status_code == 302
    assert "reopen it to change its settings" in after_redirect(organizer_client, response)
    assert Community.objects.get(pk=cast.public.pk).name == "Open Practice"
