import pytest
from django.utils import timezone

from communities.models import Notification
from tests.communities.helpers import htmx, text

pytestmark = pytest.mark.django_db


def _notify(person, summary, url="/c/open-practice/", **fields) -> Notification:
    return Notification.objects.create(
        recipient=person, verb="test.event", summary=summary, url=url, **fields
    )


@pytest.fixture
def mine(cast):
    return [
        _notify(cast.member, "First thing for Mateo", community=cast.public),
        _notify(cast.member, "Second thing for Mateo", url="/c/closed-circle/"),
        _notify(cast.member, "Old thing for Mateo", read_at=timezone.now()),
    ]


@pytest.fixture
def theirs(cast):
    return _notify(cast.outsider, "Private matter of Ona")


def test_notifications_list_shows_only_ones_own(mine, theirs, member_client):
    response = member_client.get("/notifications/")

    assert response.status_code == 200
    page = text(response)
    for notification in mine:
        assert notification.summary in page
        assert f"/notifications/{notification.pk}/open/" in page
    assert theirs.summary not in page
    assert page.count('<span class="badge text-bg-warning me-1">New</span>') == 2


def test_notifications_list_needs_login(anon_client):
    response = anon_client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_notifications_unread_count_in_the_navigation(mine, theirs, member_client):
    page = text(member_client.get("/"))

    assert '<span class="badge text-bg-warning">2<span class="visually-hidden"> unread' in page


def test_notifications_no_badge_when_all_are_read(cast, member_client):
    _notify(cast.member, "Seen already", read_at=timezone.now())

    page = text(member_client.get("/"))

    assert "unread</span>" not in page


def test_notifications_mark_one_read(mine, member_client):
    first = mine[0]

    response = member_client.post(f"/notifications/{first.pk}/read/")

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None
    page = text(member_client.get("/"))
    assert '<span class="badge text-bg-warning">1<span class="visually-hidden"> unread' in page


def test_notifications_mark_one_read_with_htmx_returns_its_row(mine, member_client):
    first = mine[0]

    response = member_client.post(
        f"/notifications/{first.pk}/read/", **htmx(f"notification-{first.pk}")
    )

    assert response.status_code == 200
    fragment = text(response)
    assert f'id="notification-{first.pk}"' in fragment
    assert first.summary in fragment
    assert "notification-unread" not in fragment
    assert "Mark as read" not in fragment
    assert "<html" not in fragment
    assert mine[1].summary not in fragment
    first.refresh_from_db()
    assert first.read_at is not None


def test_notifications_mark_read_needs_a_post(mine, member_client):
    response = member_client.get(f"/notifications/{mine[0].pk}/read/")

    assert response.status_code == 405
    assert Notification.objects.get(pk=mine[0].pk).read_at is None


def test_notifications_mark_all_read(mine, theirs, member_client):
    old_read_at = Notification.objects.get(pk=mine[2].pk).read_at

    response = member_client.post("/notifications/read-all/")

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=mine[0].recipient, read_at=None).exists()
    assert Notification.objects.get(pk=mine[2].pk).read_at == old_read_at
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_mark_all_read_with_htmx_returns_the_list(mine, member_client):
    response = member_client.post("/notifications/read-all/", **htmx("notification-list"))

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="notification-list">')
    assert "notification-unread" not in fragment
    assert "Mark all as read" not in fragment
    assert all(notification.summary in fragment for notification in mine)


def test_notifications_open_redirects_and_marks_read(mine, member_client):
    second = mine[1]

    response = member_client.get(f"/notifications/{second.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/c/closed-circle/"
    second.refresh_from_db()
    assert second.read_at is not None


def test_notifications_open_never_leaves_the_site(cast, member_client):
    outside = _notify(cast.member, "Bait", url="https://evil.example/steal")

    response = member_client.get(f"/notifications/{outside.pk}/open/")

    assert response["Location"] == "/notifications/"
    outside.refresh_from_db()
    assert outside.read_at is not None


def test_notifications_of_another_person_are_404(theirs, member_client):
    opened = member_client.get(f"/notifications/{theirs.pk}/open/")
    marked = member_client.post(f"/notifications/{theirs.pk}/read/")
    marked_htmx = member_client.post(
        f"/notifications/{theirs.pk}/read/", **htmx(f"notification-{theirs.pk}")
    )

    assert opened.status_code == 404
    assert marked.status_code == 404
    assert marked_htmx.status_code == 404
    assert theirs.summary not in text(opened) + text(marked)
    theirs.refresh_from_db()
    assert theirs.read_at is None
