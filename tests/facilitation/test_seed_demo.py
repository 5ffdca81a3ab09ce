import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import User

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "admin@example.com",
    "organizer@example.com",
    "facilitator@example.com",
    "member@example.com",
    "outsider@example.com",
}


def test_seed_demo_creates_the_demo_people_and_prints_their_logins(capsys):
    call_command("seed_demo")

    assert set(User.objects.values_list("email", flat=True)) == DEMO_EMAILS
    output = capsys.readouterr().out
    for email in DEMO_EMAILS:
        assert email in output
    assert DEMO_PASSWORD in output
    assert User.objects.get(email="admin@example.com").is_staff
    assert not User.objects.get(email="member@example.com").is_staff


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    User.objects.filter(email="member@example.com").update(organization="changed")

    call_command("seed_demo")

    assert User.objects.count() == len(DEMO_EMAILS)
    assert User.objects.get(email="member@example.com").organization == "Lycée Jean Moulin"


def test_seed_demo_profiles_are_varied():
    call_command("seed_demo")
    people = User.objects.exclude(email="admin@example.com")

    assert len({person.organization for person in people}) == people.count()
    assert len({person.sector for person in people}) >= 3
    assert all(person.discipline and person.bio for person in people)


@pytest.mark.parametrize("email", sorted(DEMO_EMAILS))
def test_seed_demo_every_login_works(client, email):
    call_command("seed_demo")

    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})

    assert response.status_code == 302, "verified email and the printed password"
    assert client.session["_auth_user_id"]
