"""The guidelines pages: reading, drafting, editing and publishing, history, the newcomer panel."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from facilitation.guidelines import services
from facilitation.models import Guidelines
from tests.communities.helpers import text
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(name: str, community) -> str:
    return reverse(name, args=[community.slug])


def _as(client, person):
    client.force_login(person)
    return client


def _published(community, actor, body: str = "# Rules\n\nBe kind to each other.\n") -> Guidelines:
    guidelines = services.start_guidelines(community, actor=actor)
    services.edit_guidelines(guidelines, actor=actor, body=body)
    services.publish_guidelines(guidelines, actor=actor)
    return guidelines


# --- Reading ----------------------------------------------------------------------------------


def test_guidelines_page_empty_offers_facilitators_to_draft(cast, client_for):
    facilitator = text(client_for("facilitator").get(_url("guidelines", cast.private)))
    member = text(client_for("member").get(_url("guidelines", cast.private)))

    assert "This community has no guidelines yet." in facilitator
    assert "Draft from the template" in facilitator
    assert "This community has no guidelines yet." in member
    assert "Draft from the template" not in member


def test_guidelines_page_members_read_published_guidelines_with_the_discussion(cast, client_for):
    guidelines = _published(cast.private, cast.organizer)

    page = text(client_for("member").get(_url("guidelines", cast.private)))

    assert "Be kind to each other." in page
    assert guidelines.discussion.get_absolute_url() in page
    assert "Propose a change" in page
    assert _url("guidelines_edit", cast.private) not in page


def test_guidelines_page_draft_only_for_facilitators(cast, client_for):
    guidelines = services.start_guidelines(cast.private, actor=cast.organizer)
    services.edit_guidelines(guidelines, actor=cast.organizer, body="Secret draft rule.")

    member = text(client_for("member").get(_url("guidelines", cast.private)))
    facilitator = text(client_for("facilitator").get(_url("guidelines", cast.private)))

    assert "Secret draft rule." not in member
    assert "will appear here once published" in member
    assert "Secret draft rule." in facilitator
    assert "Draft: only facilitators see it" in facilitator


@pytest.mark.parametrize(
    ("principal", "status"),
    [("anonymous", 404), ("outsider", 404), ("other_member", 404), ("member", 200)],
)
def test_guidelines_page_private_community_hidden_from_outsiders(
    cast, client_for, principal, status
):
    _published(cast.private, cast.organizer)

    response = client_for(principal).get(_url("guidelines", cast.private))

    assert response.status_code == status


def test_guidelines_page_public_community_readable_by_anyone(cast, client_for):
    _published(cast.public, cast.organizer)

    page = text(client_for("anonymous").get(_url("guidelines", cast.public)))

    assert "Be kind to each other." in page


# --- Drafting, editing, publishing ------------------------------------------------------------


def test_guidelines_start_drafts_and_opens_the_editor(cast, client_for):
    response = client_for("facilitator").post(_url("guidelines_start", cast.public))

    assert response.status_code == 302
    assert response["Location"] == _url("guidelines_edit", cast.public)
    guidelines = Guidelines.objects.get(community=cast.public)
    assert guidelines.discussion is not None
    assert not guidelines.is_published


@pytest.mark.parametrize(
    ("principal", "status"),
    [("member", 403), ("outsider", 404), ("anonymous", 404)],
)
def test_guidelines_start_refused(cast, client_for, principal, status):
    response = client_for(principal).post(_url("guidelines_start", cast.private))

    assert response.status_code == status
    assert not Guidelines.objects.exists()


def test_guidelines_start_get_not_allowed(cast, client_for):
    assert client_for("facilitator").get(_url("guidelines_start", cast.public)).status_code == 405


@pytest.mark.parametrize(
    ("principal", "status"),
    [("member", 403), ("outsider", 404), ("anonymous", 404), ("facilitator", 200)],
)
def test_guidelines_edit_for_facilitators_only(cast, client_for, principal, status):
    services.start_guidelines(cast.private, actor=cast.organizer)

    response = client_for(principal).get(_url("guidelines_edit", cast.private))

    assert response.status_code == status


def test_guidelines_edit_without_guidelines_goes_back_to_the_page(cast, client_for):
    response = client_for("facilitator").get(_url("guidelines_edit", cast.public))

    assert response.status_code == 302
    assert response["Location"] == _url("guidelines", cast.public)


def test_guidelines_edit_saves_a_revision_with_the_note(cast, client_for):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    response = client_for("facilitator").post(
        _url("guidelines_edit", cast.public),
        {"body": "# Rules\r\n\r\nListen first.\r\n", "note": "Shorter and clearer"},
    )

    assert response.status_code == 302
    guidelines.refresh_from_db()
    assert guidelines.body == "# Rules\n\nListen first.\n"
    assert not guidelines.is_published
    latest = guidelines.revisions.first()
    assert (latest.number, latest.note, latest.author) == (
        2,
        "Shorter and clearer",
        cast.facilitator,
    )


def test_guidelines_edit_and_publish(cast, client_for):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    client_for("facilitator").post(
        _url("guidelines_edit", cast.public), {"body": guidelines.body, "note": "", "publish": "1"}
    )

    guidelines.refresh_from_db()
    assert guidelines.is_published
    assert guidelines.revisions.count() == 1


def test_guidelines_edit_invalid_keeps_what_was_typed(cast, client_for):
    services.start_guidelines(cast.public, actor=cast.organizer)

    response = client_for("facilitator").post(
        _url("guidelines_edit", cast.public), {"body": "   ", "note": "My careful note"}
    )

    assert response.status_code == 400
    assert "My careful note" in text(response)
    assert "The guidelines cannot be empty." in text(response)


@pytest.mark.parametrize(
    "data",
    [
        {"body": "Nul \x00 byte", "note": ""},
        {"body": "x" * 20_001, "note": ""},
        {"body": "ok", "note": "n" * 301},
        {"body": ["a", "b"], "note": ["c"]},
        {},
    ],
)
def test_guidelines_edit_hostile_input_is_refused_calmly(cast, client_for, data):
    services.start_guidelines(cast.public, actor=cast.organizer)

    response = client_for("facilitator").post(_url("guidelines_edit", cast.public), data)

    assert response.status_code in {302, 400}


def test_guidelines_edit_archived_community_is_read_only(cast, client_for):
    services.start_guidelines(cast.public, actor=cast.organizer)
    cast.public.status = "archived"
    cast.public.save(update_fields=["status"])

    response = client_for("facilitator").post(
        _url("guidelines_edit", cast.public), {"body": "Changed", "note": ""}
    )

    assert response.status_code == 302
    assert Guidelines.objects.get().body != "Changed\n"


# --- History ----------------------------------------------------------------------------------


def test_guidelines_history_lists_revisions(cast, client_for):
    guidelines = _published(cast.private, cast.organizer)
    services.edit_guidelines(guidelines, actor=cast.facilitator, body="v3", note="Tidied up")

    page = text(client_for("member").get(_url("guidelines_history", cast.private)))

    assert "Version 3" in page and "Version 1" in page
    assert "Tidied up" in page
    assert "Fatou Facilitator" in page


@pytest.mark.parametrize(
    ("principal", "status"),
    [("member", 404), ("outsider", 404), ("facilitator", 200)],
)
def test_guidelines_history_of_a_draft(cast, client_for, principal, status):
    services.start_guidelines(cast.private, actor=cast.organizer)

    response = client_for(principal).get(_url("guidelines_history", cast.private))

    assert response.status_code == status


def test_guidelines_history_query_count_is_flat(cast, client_for):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)
    client = client_for("facilitator")
    url = _url("guidelines_history", cast.public)
    authors = [UserFactory() for _ in range(3)]

    def measure() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    one = measure()
    for index in range(29):
        services.edit_guidelines(guidelines, actor=authors[index % 3], body=f"Version {index}")
    thirty = measure()

    assert one == thirty
    assert text(client.get(url)).count('class="card mb-3"') == 20


# --- The newcomer panel on the community's home -----------------------------------------------


def test_guidelines_panel_shown_to_a_new_member(cast, client):
    _published(cast.public, cast.organizer)
    newcomer = UserFactory()
    MembershipFactory(community=cast.public, user=newcomer, joined_at=timezone.now())

    page = text(_as(client, newcomer).get(_url("community", cast.public)))

    assert "Our guidelines" in page
    assert "Be kind to each other." in page
    assert _url("guidelines", cast.public) in page


def test_guidelines_panel_not_shown_to_an_old_member(cast, client):
    _published(cast.public, cast.organizer)
    Membership.objects.filter(user=cast.member).update(
        joined_at=timezone.now() - timedelta(days=15)
    )

    page = text(_as(client, cast.member).get(_url("community", cast.public)))

    assert "newcomer-guidelines" not in page


def test_guidelines_panel_not_shown_while_a_draft(cast, client):
    services.start_guidelines(cast.public, actor=cast.organizer)
    newcomer = UserFactory()
    MembershipFactory(community=cast.public, user=newcomer)

    page = text(_as(client, newcomer).get(_url("community", cast.public)))

    assert "newcomer-guidelines" not in page


def test_guidelines_panel_not_shown_to_visitors(cast, client_for):
    _published(cast.public, cast.organizer)

    page = text(client_for("outsider").get(_url("community", cast.public)))

    assert "newcomer-guidelines" not in page


def test_guidelines_tab_shown_to_everyone_who_sees_the_community(cast, client_for):
    page = text(client_for("anonymous").get(_url("community", cast.public)))

    assert f'href="{_url("guidelines", cast.public)}">Guidelines</a>' in page


def test_guidelines_page_hidden_from_a_suspended_member_of_a_private_community(cast, client_for):
    _published(cast.private, cast.organizer)
    Membership.objects.filter(community=cast.private, user=cast.member).update(state="suspended")

    for name in ("guidelines", "guidelines_history"):
        assert client_for("member").get(_url(name, cast.private)).status_code == 404
