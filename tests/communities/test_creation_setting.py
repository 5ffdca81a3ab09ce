"""Who may start a community is a site setting: anyone signed in, or only the people staff marked
as organizers. The home page offers "Start a community" to them, and the admin changes the setting
through a service that audits it."""

import pytest
from django.db import connection

from communities.models import Activity, AuditEvent, SiteSettings
from communities.permissions import can_create_community
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = 'href="/start/"'


def _limit_to_organizers() -> None:
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"community_creators": SiteSettings.Creators.ORGANIZERS}
    )


def test_by_default_anyone_signed_in_may_start_a_community(client, login):
    person = UserFactory()

    assert can_create_community(person)
    assert START in login(person).get("/").content.decode()
    assert START not in client.get("/").content.decode()


def test_limited_to_organizers_only_marked_people_and_staff_may(login):
    _limit_to_organizers()
    plain = UserFactory()
    marked = UserFactory(may_create_communities=True)
    staff = UserFactory(is_staff=True)
    gone = UserFactory(may_create_communities=True, is_active=False)

    assert not can_create_community(plain)
    assert can_create_community(marked)
    assert can_create_community(staff)
    assert not can_create_community(gone)
    assert START not in login(plain).get("/").content.decode()
    assert START in login(marked).get("/").content.decode()


def test_the_empty_home_of_a_new_account_invites_them_to_start_one(login):
    page = login(UserFactory()).get("/").content.decode()

    assert "You have not joined a community yet." in page
    assert "start a community of your own" in page


def test_staff_change_the_setting_in_the_admin_and_it_is_audited(admin_client, admin_user):
    listing = admin_client.get("/admin/communities/sitesettings/")
    assert listing.status_code == 302
    assert listing["Location"] == "/admin/communities/sitesettings/1/change/"
    assert admin_client.get(listing["Location"]).status_code == 200

    response = admin_client.post(
        "/admin/communities/sitesettings/1/change/", {"community_creators": "organizers"}
    )

    assert response.status_code == 302
    assert SiteSettings.current().community_creators == "organizers"
    [event] = AuditEvent.objects.filter(action="site.settings")
    assert event.actor == admin_user
    assert event.community is None
    assert event.details == {"community_creators": {"from": "anyone", "to": "organizers"}}
    assert not Activity.objects.exists()
    # Nothing to add or delete: there is one row of settings.
    assert admin_client.get("/admin/communities/sitesettings/add/").status_code == 403


def test_staff_mark_organizers_in_the_user_admin(admin_client):
    person = UserFactory()

    page = admin_client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()

    assert 'name="may_create_communities"' in page


def test_the_activity_log_is_indexed_by_community_actor_and_time():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Activity._meta.db_table)
    assert any(
        found["index"] and found["columns"] == ["community_id", "actor_id", "created_at"]
        for found in constraints.values()
    )
