import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from communities.models import Activity, Community, Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "admin@example.com",
    "organizer@example.com",
    "facilitator@example.com",
    "member@example.com",
    "outsider@example.com",
}


def _counts() -> tuple:
    return (
        User.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
        JoinRequest.objects.count(),
        Invitation.objects.count(),
        Activity.objects.count(),
    )


def test_seed_demo_creates_the_demo_people_and_prints_their_logins(capsys):
    call_command("seed_demo")

    assert set(User.objects.values_list("email", flat=True)) >= DEMO_EMAILS
    output = capsys.readouterr().out
    for email in DEMO_EMAILS:
        assert email in output
    assert DEMO_PASSWORD in output
    assert User.objects.get(email="admin@example.com").is_staff
    assert not User.objects.get(email="member@example.com").is_staff


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    before = _counts()
    User.objects.filter(email="member@example.com").update(organization="changed")

    call_command("seed_demo")

    assert _counts() == before
    assert User.objects.get(email="member@example.com").organization == "Lycée Jean Moulin"


def test_seed_demo_profiles_are_varied():
    call_command("seed_demo")
    people = User.objects.filter(email__in=DEMO_EMAILS - {"admin@example.com"})

    assert len({person.organization for person in people}) == people.count()
    assert len({person.sector for person in people}) >= 3
    assert all(person.discipline and person.bio for person in people)


def _role(slug: str, email: str) -> str | None:
    membership = Membership.objects.filter(community__slug=slug, user__email=email).first()
    return membership.role if membership else None


def test_seed_demo_communities_roles_and_policies():
    call_command("seed_demo")

    math = Community.objects.get(slug="math-teachers")
    planning = Community.objects.get(slug="regional-planning")
    assert (math.visibility, math.join_policy) == ("public", "open")
    assert (planning.visibility, planning.join_policy) == ("private", "request")
    assert _role("math-teachers", "organizer@example.com") == "organizer"
    assert _role("math-teachers", "facilitator@example.com") == "facilitator"
    assert _role("math-teachers", "member@example.com") == "member"
    assert _role("regional-planning", "organizer@example.com") == "organizer"
    assert _role("regional-planning", "outsider@example.com") is None
    assert _role("math-teachers", "outsider@example.com") is None


@pytest.mark.parametrize("slug", ["math-teachers", "regional-planning"])
def test_seed_demo_communities_have_a_mixed_membership(slug):
    call_command("seed_demo")
    members = Membership.objects.filter(community__slug=slug, state="active")

    assert members.count() >= 15
    assert members.values("user__sector").distinct().count() >= 4
    assert members.values("user__organization").distinct().count() >= 8


def test_seed_demo_has_pending_requests_and_invitations():
    call_command("seed_demo")

    assert (
        JoinRequest.objects.filter(community__slug="regional-planning", state="pending").count()
        >= 2
    )
    assert Invitation.objects.filter(community__slug="math-teachers").count() >= 2
    assert Invitation.objects.filter(community__slug="regional-planning").count() >= 1


@pytest.mark.parametrize("email", sorted(DEMO_EMAILS))
def test_seed_demo_every_login_works(client, email):
    call_command("seed_demo")

    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})

    assert response.status_code == 302, "verified email and the printed password"
    assert client.session["_auth_user_id"]
