"""Community guidelines: drafting from the template, revisions, publishing."""

import pytest

from communities.models import Activity, AuditEvent
from facilitation.events import FacilitationEvent
from facilitation.guidelines import services
from facilitation.models import Guidelines, GuidelinesRevision
from forums.models import Forum, Thread
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import ForumFactory

pytestmark = pytest.mark.django_db


def test_start_guidelines_drafts_revision_one_and_the_discussion(cast):
    help_forum = ForumFactory(community=cast.public, slug="help", name="Help and how-to")
    ForumFactory(community=cast.public, slug="lessons", position=0)

    guidelines = services.start_guidelines(cast.public, actor=cast.facilitator)

    assert guidelines.published_at is None
    assert "Open Practice" in guidelines.body
    assert "<h1>Our guidelines</h1>" in guidelines.body_html
    [revision] = guidelines.revisions.all()
    assert (revision.number, revision.author, revision.body) == (
        1,
        cast.facilitator,
        guidelines.body,
    )
    thread = guidelines.discussion
    assert thread.forum == help_forum
    assert thread.title == "Our guidelines: propose changes"
    assert "/c/open-practice/guidelines/" in thread.posts.get().body_html
    assert AuditEvent.objects.filter(
        community=cast.public, action=FacilitationEvent.GUIDELINES_EDIT
    ).exists()


def test_start_guidelines_is_idempotent(cast):
    first = services.start_guidelines(cast.public, actor=cast.facilitator)
    again = services.start_guidelines(cast.public, actor=cast.organizer)

    assert again.pk == first.pk
    assert Guidelines.objects.count() == 1
    assert GuidelinesRevision.objects.count() == 1
    assert Thread.objects.filter(community=cast.public).count() == 1


def test_start_guidelines_without_forums_opens_a_general_forum(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    forum = Forum.objects.get(community=cast.public)
    assert (forum.slug, forum.name) == ("general", "General")
    assert guidelines.discussion.forum == forum


def test_start_guidelines_in_the_given_forum(cast):
    ForumFactory(community=cast.public, slug="help")
    chosen = ForumFactory(community=cast.public, slug="meta")

    guidelines = services.start_guidelines(cast.public, actor=cast.organizer, forum=chosen)

    assert guidelines.discussion.forum == chosen


def test_start_guidelines_ignores_a_forum_of_another_community(cast):
    elsewhere = ForumFactory(community=cast.other, slug="help")

    guidelines = services.start_guidelines(cast.public, actor=cast.organizer, forum=elsewhere)

    assert guidelines.discussion.forum.community == cast.public


def test_start_guidelines_uses_the_french_template_for_a_french_community():
    community = CommunityFactory(language="fr", name="Urbanistes du Sud")
    organizer = UserFactory(language="en")
    MembershipFactory(community=community, user=organizer, role="organizer")

    guidelines = services.start_guidelines(community, actor=organizer)

    assert guidelines.body.startswith("# Notre charte")
    assert "Urbanistes du Sud" in guidelines.body
    assert guidelines.discussion.title == "Notre charte : proposez des modifications"
    assert guidelines.discussion.forum.name == "Général"


def test_edit_guidelines_keeps_every_revision(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    assert services.edit_guidelines(
        guidelines, actor=cast.facilitator, body="# Rules\n\nBe kind.\n", note="Shorter"
    )
    assert services.edit_guidelines(
        guidelines, actor=cast.organizer, body="# Rules\n\nBe kinder.\n"
    )

    guidelines.refresh_from_db()
    assert guidelines.body == "# Rules\n\nBe kinder.\n"
    assert "<p>Be kinder.</p>" in guidelines.body_html
    assert guidelines.updated_by == cast.organizer
    numbers = list(guidelines.revisions.values_list("number", "note", "author"))
    assert numbers == [
        (3, "", cast.organizer.pk),
        (2, "Shorter", cast.facilitator.pk),
        (1, "", cast.organizer.pk),
    ]
    assert AuditEvent.objects.filter(action=FacilitationEvent.GUIDELINES_EDIT).count() == 3


def test_edit_guidelines_unchanged_keeps_no_revision(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    assert not services.edit_guidelines(guidelines, actor=cast.organizer, body=guidelines.body)

    assert guidelines.revisions.count() == 1


def test_edit_guidelines_sanitizes_the_html(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    services.edit_guidelines(
        guidelines, actor=cast.organizer, body="<script>alert(1)</script> [x](javascript:alert(1))"
    )

    assert "<script" not in guidelines.body_html
    assert 'href="javascript' not in guidelines.body_html


def test_publish_guidelines_once(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    assert services.publish_guidelines(guidelines, actor=cast.facilitator)
    assert not services.publish_guidelines(guidelines, actor=cast.facilitator)

    guidelines.refresh_from_db()
    assert guidelines.is_published
    assert AuditEvent.objects.filter(action=FacilitationEvent.GUIDELINES_PUBLISH).count() == 1
    activity = Activity.objects.get(verb=FacilitationEvent.GUIDELINES_PUBLISH)
    assert (activity.actor, activity.url) == (cast.facilitator, "/c/open-practice/guidelines/")


def test_start_guidelines_prefers_a_help_forum_by_its_address(cast):
    ForumFactory(community=cast.public, slug="lessons", position=1)
    aide = ForumFactory(community=cast.public, slug="aide-et-mode-demploi", position=2)

    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    assert guidelines.discussion.forum == aide


def test_start_guidelines_in_an_archived_community_opens_no_thread(cast):
    cast.public.status = "archived"
    cast.public.save(update_fields=["status"])

    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)

    assert guidelines.discussion is None
    assert not Thread.objects.exists()


def test_publish_guidelines_reopens_a_missing_discussion(cast):
    guidelines = services.start_guidelines(cast.public, actor=cast.organizer)
    guidelines.discussion.delete()
    guidelines.refresh_from_db()

    services.publish_guidelines(guidelines, actor=cast.organizer)

    guidelines.refresh_from_db()
    assert guidelines.discussion is not None
