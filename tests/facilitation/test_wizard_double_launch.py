"""Two identical Launch posts at the same instant, through a live server (as in
tests/test_double_submit.py): one community, both answers lead to its dashboard, the invitations
queued once."""

import pytest
from django.test import Client

from communities.models import Community, Invitation
from core.models import OutboxEmail
from tests.facilitation.test_wizard import THEME, _run_to
from tests.factories import UserFactory
from tests.test_double_submit import Person, hidden_fields, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_wizard_launch_sent_twice_at_once_makes_one_community(server):  # noqa: F811
    organizer = UserFactory()
    client = Client()
    client.force_login(organizer)
    _run_to(client, 6)
    person = Person.logged_in(server, organizer)
    page = person.get("/start/7/")
    fields = hidden_fields(page, action="/start/7/") | {"action": "launch"}
    answers = person.at_once("/start/7/", fields)
    community = Community.objects.get(name=THEME["name"])
    assert Community.objects.count() == 1
    assert {answer.status for answer in answers} == {302}
    assert {answer.location for answer in answers} == {f"/c/{community.slug}/facilitate/"}
    assert Invitation.objects.filter(community=community, kind="email").count() == 3
    assert OutboxEmail.objects.count() == 3
