import pytest

from accounts.models import User
from communities.models import Membership
from tests.communities.helpers import htmx, text
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(cast):
    """Members of the public community with varied profiles (the cast's three are public sector,
    'Example Organisation', 'Teaching')."""

    def member(name, organization, discipline, sector, role="member", bio=""):
        person = UserFactory(
            display_name=name,
            organization=organization,
            discipline=discipline,
            sector=sector,
            bio=bio,
        )
        return MembershipFactory(community=cast.public, user=person, role=role)

    return [
        member("Ada Planner", "City of Lyon", "Urban planning", User.Sector.PUBLIC),
        member(
            "Bruno Builder",
            "Atelier Nord",
            "Architecture",
            User.Sector.PRIVATE,
            bio="Restores timber roofs.",
        ),
        member("Chloé Scholar", "Université Lumière", "History", User.Sector.ACADEMIC),
        member("Dina Scholar", "Université Lumière", "Urban planning", User.Sector.ACADEMIC),
        member(
            "Emil Helper",
            "",
            "Community work",
            User.Sector.NON_PROFIT,
            role=Membership.Role.FACILITATOR,
        ),
    ]


NAMES = {
    "Olga Organizer",
    "Fatou Facilitator",
    "Mateo Member",
    "Ada Planner",
    "Bruno Builder",
    "Chloé Scholar",
    "Dina Scholar",
    "Emil Helper",
}


def _listed(client, query="") -> set[str]:
    response = client.get(f"/c/open-practice/members/?{query}", **htmx("member-list"))
    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith('<div id="member-list"')
    return {name for name in NAMES if f'<h3 class="h6 mb-0">{name} <span' in fragment}


def test_members_directory_lists_everyone_active(people, member_client):
    response = member_client.get("/c/open-practice/members/")

    assert response.status_code == 200
    assert "8 people" in text(response)
    assert _listed(member_client) == NAMES


def test_members_directory_filter_by_role(people, member_client):
    assert _listed(member_client, "role=facilitator") == {"Fatou Facilitator", "Emil Helper"}
    assert _listed(member_client, "role=organizer") == {"Olga Organizer"}


def test_members_directory_filter_by_sector(people, member_client):
    assert _listed(member_client, "sector=academic") == {"Chloé Scholar", "Dina Scholar"}


def test_members_directory_filter_by_discipline(people, member_client):
    assert _listed(member_client, "discipline=urban+planning") == {"Ada Planner", "Dina Scholar"}


def test_members_directory_filter_by_organization(people, member_client):
    found = _listed(member_client, "organization=universit%C3%A9+lumi%C3%A8re")

    assert found == {"Chloé Scholar", "Dina Scholar"}


def test_members_directory_free_text_searches_name_organization_discipline_and_bio(
    people, member_client
):
    assert _listed(member_client, "q=scholar") == {"Chloé Scholar", "Dina Scholar"}
    assert _listed(member_client, "q=atelier") == {"Bruno Builder"}
    assert _listed(member_client, "q=history") == {"Chloé Scholar"}
    assert _listed(member_client, "q=timber") == {"Bruno Builder"}


def test_members_directory_filters_combine(people, member_client):
    found = _listed(member_client, "sector=academic&discipline=Urban+planning")

    assert found == {"Dina Scholar"}


def test_members_directory_no_match_says_so(people, member_client):
    response = member_client.get("/c/open-practice/members/?q=astronaut")

    assert "No member matches these filters." in text(response)


def test_members_mix_counts_by_sector_and_organization(people, member_client):
    page = text(member_client.get("/c/open-practice/members/"))

    def count(link: str, label: str, number: int) -> str:
        badge = f'<span class="badge text-bg-light border">{number}</span>'
        return f'<a href="?{link}">{label}</a>{badge}'

    assert count("sector=public", "Public", 4) in page
    assert count("sector=academic", "Academic", 2) in page
    assert count("sector=private", "Private", 1) in page
    assert count("sector=non_profit", "Non-profit", 1) in page
    assert count("organization=Example%20Organisation", "Example Organisation", 3) in page
    assert count("organization=Universit%C3%A9%20Lumi%C3%A8re", "Université Lumière", 2) in page
    assert count("organization=City%20of%20Lyon", "City of Lyon", 1) in page
    # A member without an organization is not counted as one.
    assert 'href="?organization="' not in page


def test_members_mix_leaves_out_suspended_members(cast, people, facilitator_client):
    bruno = people[1]
    facilitator_client.post(f"/c/open-practice/members/{bruno.pk}/suspend/", {"reason": "Spam."})

    page = text(facilitator_client.get("/c/open-practice/members/"))

    assert "Atelier Nord" not in page.split('aria-labelledby="mix-title"', 1)[1]
    assert ">Private</a>" not in page


def test_members_directory_is_for_members(cast, client_for):
    assert client_for("outsider").get("/c/open-practice/members/").status_code == 403
    assert client_for("anonymous").get("/c/open-practice/members/").status_code == 302
    assert client_for("outsider").get("/c/closed-circle/members/").status_code == 404
    assert client_for("other_member").get("/c/closed-circle/members/").status_code == 404
    assert client_for("staff").get("/c/closed-circle/members/").status_code == 200


def test_members_directory_paginates(cast, member_client):
    for number in range(35):
        MembershipFactory(community=cast.public, user=UserFactory(display_name=f"Zed {number:02}"))

    first = text(member_client.get("/c/open-practice/members/"))
    second = text(member_client.get("/c/open-practice/members/?page=2"))

    assert "38 people" in first
    assert "Page 1 of 2" in first
    assert first.count('class="card h-100 member-card') == 30
    assert second.count('class="card h-100 member-card') == 8
