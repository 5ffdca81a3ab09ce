import pytest

from communities.models import Community, Membership
from tests.communities.helpers import htmx, text
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(cast):
    return {
        "geometry": CommunityFactory(
            name="Geometry Teachers", theme="Proof in the classroom", language="en"
        ),
        "heritage": CommunityFactory(
            name="Patrimoine vivant", theme="Urban heritage and planning", language="fr"
        ),
        "planning": CommunityFactory(name="Planners Circle", theme="Zoning reform", language="fr"),
    }


def _directory(client, query="") -> str:
    """Only the directory part of the front page (what htmx swaps)."""
    response = client.get(f"/?{query}", **htmx("directory"))
    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="directory"')
    return fragment


def _names(fragment: str, candidates) -> set[str]:
    return {name for name in candidates if f">{name}</a>" in fragment}


NAMES = {
    "Open Practice",
    "Closed Circle",
    "Elsewhere",
    "Geometry Teachers",
    "Patrimoine vivant",
    "Planners Circle",
}


def test_directory_lists_public_active_communities(listed, anon_client):
    response = anon_client.get("/")

    assert response.status_code == 200
    assert _names(_directory(anon_client), NAMES) == NAMES - {"Closed Circle"}


def test_directory_search_by_name(listed, anon_client):
    assert _names(_directory(anon_client, "q=geometry"), NAMES) == {"Geometry Teachers"}


def test_directory_search_by_theme(listed, anon_client):
    found = _names(_directory(anon_client, "q=heritage"), NAMES)

    assert found == {"Patrimoine vivant"}


def test_directory_search_with_no_match_says_so(listed, anon_client):
    fragment = _directory(anon_client, "q=astronomy")

    assert _names(fragment, NAMES) == set()
    assert "No public community matches “astronomy”." in fragment


def test_directory_language_filter(listed, anon_client):
    french = _names(_directory(anon_client, "language=fr"), NAMES)
    french_planning = _names(_directory(anon_client, "language=fr&q=zoning"), NAMES)

    assert french == {"Patrimoine vivant", "Planners Circle"}
    assert french_planning == {"Planners Circle"}


def test_directory_unknown_language_is_ignored(listed, anon_client):
    assert _names(_directory(anon_client, "language=xx"), NAMES) == NAMES - {"Closed Circle"}


def test_directory_never_lists_private_communities_not_even_to_members(cast, member_client):
    page = text(member_client.get("/"))
    mine, directory = page.split('id="directory-title"', 1)

    assert ">Closed Circle</a>" not in directory
    assert ">Closed Circle</a>" not in _directory(member_client, "q=closed")
    # The member finds it under "My communities", with its private badge.
    assert "My communities" in mine
    assert ">Closed Circle</a>" in mine
    assert ">Open Practice</a>" in mine
    assert ">Elsewhere</a>" not in mine


def test_directory_private_communities_are_hidden_from_search_by_staff_too(cast, staff_client):
    assert ">Closed Circle</a>" not in _directory(staff_client, "q=closed")


def test_directory_hides_archived_communities(cast, anon_client):
    CommunityFactory(name="Finished Project", status=Community.Status.ARCHIVED)

    assert ">Finished Project</a>" not in _directory(anon_client)


def test_directory_shows_member_counts(cast, anon_client):
    MembershipFactory(community=cast.other)

    fragment = _directory(anon_client, "q=elsewhere")

    assert "2 members" in fragment


def test_directory_my_communities_mark_suspensions(cast, facilitator_client, member_client):
    membership = Membership.objects.get(community=cast.private, user=cast.member)
    facilitator_client.post(
        f"/c/closed-circle/members/{membership.pk}/suspend/", {"reason": "Spam."}
    )

    mine = text(member_client.get("/")).split('id="directory-title"', 1)[0]

    assert '<span class="badge text-bg-danger">Suspended</span>' in mine
