"""The getting-started checklist: items tick themselves, it leaves the dashboard once complete
(CommunitySetup.completed_at set once), and archived communities are not asked anything."""

import pytest
from django.utils import timezone

from communities.models import Community
from documents.models import Document
from facilitation.checklist import checklist_for
from facilitation.models import CommunitySetup, Guidelines
from tests.factories import InvitationFactory
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

KEYS = ["welcome", "guidelines", "document", "introductions", "invite", "assessment"]


def _done(community) -> dict[str, bool]:
    return {item.key: item.done for item in checklist_for(community).items}


def _everything_but_invitations(community, person):
    from tests.assessments.factories import make_cycle, make_survey

    forum = forum_in(community)
    CommunitySetup.objects.update_or_create(
        community=community,
        defaults={
            "welcome_thread": start_thread(forum, person, title="Welcome"),
            "introductions_thread": start_thread(forum, person, title="Who are you?"),
        },
    )
    Guidelines.objects.create(community=community, body="Be kind.", published_at=timezone.now())
    Document.objects.create(
        community=community, title="Notes", kind="text", content_type="text/plain"
    )
    make_cycle(make_survey(community))


def test_checklist_of_a_community_without_setup(cast):
    checklist = checklist_for(cast.public)
    assert [item.key for item in checklist.items] == KEYS
    assert not any(item.done for item in checklist.items)
    assert not checklist.complete
    urls = {item.key: item.url for item in checklist.items}
    assert urls["welcome"] == "/c/open-practice/facilitate/welcome/"
    assert urls["introductions"] == "/c/open-practice/facilitate/introductions/"
    assert urls["invite"] == "/c/open-practice/invitations/"


def test_items_tick_themselves(cast):
    community = cast.public
    Guidelines.objects.create(community=community, body="Draft only")
    assert not _done(community)["guidelines"]
    Guidelines.objects.filter(community=community).update(published_at=timezone.now())
    assert _done(community)["guidelines"]

    trashed = Document.objects.create(
        community=community, title="Old", kind="text", content_type="text/plain",
        trashed_at=timezone.now(),
    )  # fmt: skip
    assert not _done(community)["document"]
    trashed.trashed_at = None
    trashed.save(update_fields=["trashed_at"])
    assert _done(community)["document"]

    # Without a set-up row, any invitation counts; with one, more than were sent at launch.
    InvitationFactory(community=community)
    assert _done(community)["invite"]
    CommunitySetup.objects.create(community=community, invitations_at_launch=1)
    assert not _done(community)["invite"]
    InvitationFactory(community=community)
    assert _done(community)["invite"]


def test_checklist_completes_once_and_leaves_the_dashboard(cast, facilitator_client):
    community = cast.public
    _everything_but_invitations(community, cast.facilitator)
    url = f"/c/{community.slug}/facilitate/"
    page = facilitator_client.get(url)
    assert page.context["checklist"] is not None
    assert "Getting started" in page.content.decode()

    InvitationFactory(community=community)
    page = facilitator_client.get(url)
    assert page.context["checklist"] is None
    setup = CommunitySetup.objects.get(community=community)
    completed = setup.completed_at
    assert completed is not None
    # Undoing an item later does not bring the list back, nor move the date.
    Document.objects.filter(community=community).update(trashed_at=timezone.now())
    page = facilitator_client.get(url)
    assert page.context["checklist"] is None
    setup.refresh_from_db()
    assert setup.completed_at == completed
    assert checklist_for(community).items == []


def test_archived_community_is_not_nagged(cast, facilitator_client):
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])
    page = facilitator_client.get(f"/c/{cast.public.slug}/facilitate/")
    assert page.context["checklist"] is None
    assert not CommunitySetup.objects.filter(community=cast.public).exists()
