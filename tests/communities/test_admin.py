"""Site staff create and change communities in the admin through the same services as the site:
the organizer is made, the description rendered, the audit log written."""

import pytest

from communities.models import AuditEvent, Community, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/communities/community/add/"


def _add_form(organizer, **fields) -> dict:
    return {
        "name": "Heritage Keepers",
        "slug": "heritage-keepers",
        "theme": "Restoring listed buildings",
        "description": "**Architects** and masons.",
        "visibility": Community.Visibility.PRIVATE,
        "join_policy": Community.JoinPolicy.REQUEST,
        "language": "fr",
        "organizer": organizer.pk,
        **fields,
    }


def test_admin_add_makes_the_named_person_organizer_and_audits(admin_client, admin_user):
    organizer = UserFactory(email="olga@example.org")

    response = admin_client.post(ADD, _add_form(organizer))

    assert response.status_code == 302
    community = Community.objects.get(slug="heritage-keepers")
    assert response["Location"] == "/admin/communities/community/"
    membership = Membership.objects.get(community=community)
    assert (membership.user, membership.role) == (organizer, Membership.Role.ORGANIZER)
    assert community.created_by == organizer
    assert "<strong>Architects</strong>" in community.description_html
    [event] = AuditEvent.objects.filter(community=community, action="community.create")
    assert event.actor == admin_user
    assert event.details == {"organizer": "olga@example.org"}


def test_admin_add_asks_for_the_organizer_and_hides_the_raw_orientation(admin_client):
    page = admin_client.get(ADD).content.decode()

    assert 'name="organizer"' in page
    assert 'name="orientation"' not in page

    response = admin_client.post(ADD, {**_add_form(UserFactory()), "organizer": ""})

    assert response.status_code == 200
    assert not Community.objects.filter(slug="heritage-keepers").exists()


def test_admin_change_renders_the_description_and_audits(cast, admin_client, admin_user):
    community = cast.public
    page = admin_client.get(f"/admin/communities/community/{community.pk}/change/")
    assert 'name="orientation"' not in page.content.decode()
    form = {
        "name": community.name,
        "slug": community.slug,
        "theme": community.theme,
        "description": "Now with *emphasis*.",
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "language": community.language,
        "status": community.status,
        "flag_threshold": community.flag_threshold,
        "premoderated_posts": community.premoderated_posts,
        "post_rate_limit": community.post_rate_limit,
        "core_threshold": community.core_threshold,
        "active_threshold": community.active_threshold,
        "occasional_threshold": community.occasional_threshold,
        "flag_rate_limit": community.flag_rate_limit,
        "storage_limit_mb": community.storage_limit_mb or "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    response = admin_client.post(f"/admin/communities/community/{community.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    community.refresh_from_db()
    assert "<em>emphasis</em>" in community.description_html
    [event] = AuditEvent.objects.filter(community=community, action="community.settings")
    assert event.actor == admin_user
    assert event.details == {"description": "changed"}
