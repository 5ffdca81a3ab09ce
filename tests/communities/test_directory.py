import pytest
from django.urls import reverse

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


# --- The community's tabs (communities/tabs.py) -----------------------------------------------

EVERYONE_TABS = ["Home", "Forums", "Latest", "Documents", "Guidelines", "Knowledge"]
MEMBER_TABS = [
    "Home",
    "Forums",
    "Latest",
    "Documents",
    "Assessments",
    "Guidelines",
    "Knowledge",
    "Members",
]
FACILITATOR_TABS = [
    "Home",
    "Dashboard",
    *MEMBER_TABS[1:],
    "Invitations",
    "Review queue",
    "Audit log",
]
ORGANIZER_TABS = [*FACILITATOR_TABS, "Settings"]


def _tabs(response) -> list[tuple[str, str, bool]]:
    """(label, href, current) of each link in the "Community sections" navigation."""
    import re

    html = text(response)
    nav = re.search(r'<nav[^>]*aria-label="Community sections"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    links = re.findall(r'<a class="nav-link( active)?"[^>]*href="([^"]*)">([^<]*)</a>', nav[1])
    return [(label, href, bool(active)) for active, href, label in links]


def _labels(response) -> list[str]:
    return [label for label, _href, _current in _tabs(response)]


def _with_requests(tabs: list[str]) -> list[str]:
    at = tabs.index("Invitations")
    return [*tabs[:at], "Join requests", *tabs[at:]]


@pytest.mark.parametrize(
    ("principal", "community", "expected"),
    [
        ("anonymous", "public", EVERYONE_TABS),
        ("outsider", "public", EVERYONE_TABS),
        ("member", "public", MEMBER_TABS),
        ("member", "private", MEMBER_TABS),
        ("facilitator", "public", FACILITATOR_TABS),
        ("facilitator", "private", _with_requests(FACILITATOR_TABS)),
        ("organizer", "public", ORGANIZER_TABS),
        ("organizer", "private", _with_requests(ORGANIZER_TABS)),
        ("staff", "public", [*EVERYONE_TABS, "Members", "Audit log"]),
    ],
)
def test_directory_community_tabs_follow_the_access(
    cast, client_for, principal, community, expected
):
    slug = getattr(cast, community).slug
    response = client_for(principal).get(reverse("community", args=[slug]))
    assert response.status_code == 200
    assert _labels(response) == expected


def test_directory_community_tabs_are_hidden_with_the_private_community(cast, client_for):
    for principal in ("anonymous", "outsider", "other_member"):
        response = client_for(principal).get(reverse("community", args=[cast.private.slug]))
        assert response.status_code == 404


def test_directory_community_tabs_link_each_section_and_mark_the_current_one(
    cast, facilitator_client
):
    slug = cast.private.slug
    response = facilitator_client.get(reverse("community", args=[slug]))
    tabs = {label: href for label, href, _current in _tabs(response)}
    assert tabs == {
        "Home": reverse("community", args=[slug]),
        "Dashboard": reverse("facilitate", args=[slug]),
        "Forums": reverse("forum_list", args=[slug]),
        "Latest": reverse("latest", args=[slug]),
        "Documents": reverse("documents", args=[slug]),
        "Assessments": reverse("assessments", args=[slug]),
        "Guidelines": reverse("guidelines", args=[slug]),
        "Knowledge": reverse("knowledge", args=[slug]),
        "Members": reverse("members", args=[slug]),
        "Join requests": reverse("join_requests", args=[slug]),
        "Invitations": reverse("invitations", args=[slug]),
        "Review queue": "/c/closed-circle/facilitate/moderation/",
        "Audit log": reverse("audit_log", args=[slug]),
    }
    for label, url_name in [
        ("Home", "community"),
        ("Forums", "forum_list"),
        ("Latest", "latest"),
        ("Documents", "documents"),
        ("Documents", "documents_trash"),
        ("Assessments", "assessments"),
        ("Members", "members"),
        ("Review queue", "moderation_queue"),
        ("Dashboard", "facilitate"),
        ("Guidelines", "guidelines"),
        ("Knowledge", "knowledge"),
    ]:
        page = facilitator_client.get(reverse(url_name, args=[slug]))
        current = [label for label, _href, is_current in _tabs(page) if is_current]
        assert current == [label], url_name
    page = text(facilitator_client.get(reverse("community", args=[slug])))
    assert 'class="nav-link active" aria-current="page"' in page


def test_directory_community_tab_with_an_unknown_url_name_fails_loudly():
    from communities import tabs

    tabs.register_tab(name="typo", label="Typo", url_name="forum_lsit", order=99)
    try:
        errors = tabs.check_tabs()
        assert [error.id for error in errors] == ["communities.E001"]
        assert "forum_lsit" in errors[0].msg
    finally:
        del tabs.TABS["typo"]
    assert tabs.check_tabs() == []


def test_directory_community_tab_with_an_unknown_active_page_or_capability_fails_loudly():
    from communities import tabs

    tabs.register_tab(
        name="typo",
        label="Typo",
        url_name="latest",
        capability="forum.moderat",
        order=99,
        active_url_names=("thraed",),
    )
    try:
        assert sorted(error.id for error in tabs.check_tabs()) == [
            "communities.E001",
            "communities.E002",
        ]
    finally:
        del tabs.TABS["typo"]


def test_directory_community_tab_check_runs_with_the_system_checks():
    from django.core import checks

    from communities import tabs

    tabs.register_tab(name="typo", label="Typo", url_name="forum_lsit", order=99)
    try:
        errors = checks.run_checks(tags=[checks.Tags.urls])
        assert "communities.E001" in [error.id for error in errors]
    finally:
        del tabs.TABS["typo"]


def test_directory_documents_tab_is_current_on_every_library_page():
    from django.urls import get_resolver

    from documents.apps import LIBRARY_PAGES

    library = {
        pattern.name
        for pattern in get_resolver().url_patterns
        for pattern in getattr(pattern, "url_patterns", [pattern])
        if str(pattern.pattern).startswith("c/<slug:slug>/documents/")
    }
    assert library == set(LIBRARY_PAGES)
