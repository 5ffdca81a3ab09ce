"""Launching a community from a finished wizard draft (facilitation.wizard.launch): everything
made in one transaction, invitations sent only once it commits, nothing left or sent when any
part of it fails."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from assessments.models import Cycle, Survey
from communities.events import CommunityEvent
from communities.models import AuditEvent, Community, Invitation, Membership, SlugRedirect
from core.models import OutboxEmail
from documents.models import Folder
from facilitation.events import FacilitationEvent
from facilitation.models import CommunitySetup, Guidelines, WizardDraft
from facilitation.wizard.launch import WizardError, community_slug, launch
from forums.models import Forum
from tests.factories import CommunityFactory, UserFactory


def _answers(**changes) -> dict:
    answers = {
        "theme": {
            "name": "Coastal Heritage Planners",
            "theme": "Protecting coastal heritage through planning",
            "practice": "Planners and *heritage* specialists compare how they work.",
            "language": "en",
        },
        "orientation": {"ranking": ["content", "access_to_expertise", "meetings", "projects"]},
        "privacy": {"visibility": "private", "join_policy": "invite", "premoderated_posts": 1},
        "forums": {
            "forums": [
                {"name": "General discussion", "description": "Everything about the coast."},
                {"name": "Questions and answers", "description": ""},
                {"name": "Meetings", "description": "Agendas."},
            ]
        },
        "recruitment": {
            "emails": ["ana@example.org", "ben@example.org"],
            "facilitators": ["fay@example.org"],
            "message": "Come along.",
            "link": {"days": 10, "max_uses": 30},
        },
        "assessment": {
            "template": "value_creation",
            "recurrence": "semiannual",
            "opens_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
        "typed": {},
    }
    for name, value in changes.items():
        answers[name] = value
    return answers


def _draft(owner, **changes) -> WizardDraft:
    return WizardDraft.objects.create(owner=owner, step=7, data=_answers(**changes))


@pytest.fixture
def organizer(db):
    return UserFactory(email="olga@example.org", display_name="Olga Founder")


def _nothing_left() -> None:
    assert not Community.objects.exists()
    assert not Forum.objects.exists()
    assert not Folder.objects.exists()
    assert not Invitation.objects.exists()
    assert not Survey.objects.exists()
    assert not Cycle.objects.exists()
    assert not Guidelines.objects.exists()
    assert not CommunitySetup.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not AuditEvent.objects.exists()
    assert mail.outbox == []


# --- What a launch makes --------------------------------------------------------------------


@pytest.mark.django_db
def test_launch_makes_everything_the_draft_describes(organizer, django_capture_on_commit_callbacks):
    draft = _draft(organizer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        community = launch(draft, actor=organizer, ip="192.0.2.1", base_url="https://cop.test")
    assert callbacks, "the emails wait for the commit"
    assert mail.outbox == []

    assert community.slug == "coastal-heritage-planners"
    assert community.visibility == "private"
    assert community.join_policy == "invite"
    assert community.premoderated_posts == 1
    assert "<em>heritage</em>" in community.description_html
    assert community.orientation == {
        "ranking": ["content", "access_to_expertise", "meetings", "projects"],
        "theme_statement": "Protecting coastal heritage through planning",
        "practice": "Planners and *heritage* specialists compare how they work.",
        "presets": {
            "top": ["content", "access_to_expertise", "meetings"],
            "starter_folders": True,
            "questions_forum": True,
            "meetings_forum": True,
            "more_forums": False,
        },
        "assessment": draft.data["assessment"],
    }
    membership = Membership.objects.get(community=community)
    assert (membership.user, membership.role) == (organizer, "organizer")

    forums = list(Forum.objects.filter(community=community).order_by("position"))
    assert [(forum.name, forum.slug) for forum in forums] == [
        ("Help and how-to", "help"),
        ("General discussion", "general-discussion"),
        ("Questions and answers", "questions-and-answers"),
        ("Meetings", "meetings"),
    ]
    assert sorted(Folder.objects.filter(community=community).values_list("name", flat=True)) == [
        "Guides and how-tos",
        "Readings and references",
        "Templates and tools",
    ]
    emails = Invitation.objects.filter(community=community, kind="email")
    assert sorted(emails.values_list("email", "role")) == [
        ("ana@example.org", "member"),
        ("ben@example.org", "member"),
        ("fay@example.org", "facilitator"),
    ]
    assert all(invitation.message == "Come along." for invitation in emails)
    link = Invitation.objects.get(community=community, kind="link")
    assert link.max_uses == 30
    assert timedelta(days=9) < link.expires_at - timezone.now() <= timedelta(days=10)

    cycle = Cycle.objects.get(community=community)
    assert cycle.survey.template == "value_creation"
    assert cycle.recurrence == "semiannual"
    assert timezone.localdate(cycle.opens_at) == timezone.localdate() + timedelta(days=20)
    assert cycle.closes_at - cycle.opens_at == timedelta(days=14)

    guidelines = Guidelines.objects.get(community=community)
    assert guidelines.discussion.forum == forums[0]
    setup = CommunitySetup.objects.get(community=community)
    assert setup.invitations_at_launch == 3
    draft.refresh_from_db()
    assert draft.community == community
    assert draft.launched_at is not None
    launch_event = AuditEvent.objects.get(action=FacilitationEvent.COMMUNITY_LAUNCH)
    assert launch_event.community == community
    assert launch_event.ip == "192.0.2.1"
    assert launch_event.details["invitations"] == 3
    assert AuditEvent.objects.filter(action=CommunityEvent.COMMUNITY_CREATE).count() == 1

    # The emails are outbox rows of the launch, sent once it commits.
    assert OutboxEmail.objects.filter(to="ana@example.org").count() == 1
    for callback in callbacks:
        callback()
    assert sorted(email.to[0] for email in mail.outbox) == [
        "ana@example.org",
        "ben@example.org",
        "fay@example.org",
    ]
    assert all("Coastal Heritage Planners" in email.subject for email in mail.outbox)
    assert all(
        "https://cop.test/c/coastal-heritage-planners/invite/" in e.body for e in mail.outbox
    )


@pytest.mark.django_db
def test_launch_with_nothing_optional(organizer):
    draft = _draft(
        organizer,
        orientation={"ranking": ["relationships"]},
        forums={"forums": []},
        recruitment={"emails": [], "facilitators": [], "message": "", "link": None},
        assessment={"template": "", "recurrence": "", "opens_on": ""},
    )
    community = launch(draft, actor=organizer)
    assert list(Forum.objects.filter(community=community).values_list("slug", flat=True)) == [
        "help"
    ]
    assert not Folder.objects.exists()
    assert not Invitation.objects.exists()
    assert not Cycle.objects.exists()
    assert Guidelines.objects.filter(community=community).exists()
    assert CommunitySetup.objects.get(community=community).invitations_at_launch == 0


@pytest.mark.django_db
def test_launch_forum_names_that_share_an_address_get_their_own(organizer):
    draft = _draft(
        organizer,
        forums={
            "forums": [
                {"name": "Help!", "description": ""},
                {"name": "Latest", "description": ""},
                {"name": "Café", "description": ""},
                {"name": "Cafe", "description": ""},
                {"name": "???", "description": ""},
            ]
        },
    )
    community = launch(draft, actor=organizer)
    assert list(
        Forum.objects.filter(community=community)
        .order_by("position")
        .values_list("slug", flat=True)
    ) == ["help", "help-2", "latest-2", "cafe", "cafe-2", "forum"]


@pytest.mark.django_db
def test_launch_past_opening_day_opens_now(organizer):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    draft = _draft(
        organizer, assessment={"template": "pulse", "recurrence": "", "opens_on": yesterday}
    )
    community = launch(draft, actor=organizer)
    cycle = Cycle.objects.get(community=community)
    assert cycle.opens_at >= timezone.now() - timedelta(minutes=2)
    assert cycle.recurrence == ""


# --- Web addresses --------------------------------------------------------------------------


@pytest.mark.django_db
def test_community_slug_is_free_and_never_reserved():
    CommunityFactory(slug="coastal-heritage-planners")
    other = CommunityFactory(slug="somewhere")
    SlugRedirect.objects.create(old_slug="coastal-heritage-planners-2", community=other)
    assert community_slug("Coastal Heritage Planners") == "coastal-heritage-planners-3"
    assert community_slug("Start") == "start-community"
    assert community_slug("日本の先生") == "community"
    assert len(community_slug("x" * 200)) == 60
    CommunityFactory(slug="x" * 60)
    assert community_slug("x" * 200) == "x" * 58 + "-2"


@pytest.mark.django_db
def test_launch_takes_the_next_address_when_the_name_is_taken(organizer):
    CommunityFactory(slug="coastal-heritage-planners")
    community = launch(_draft(organizer), actor=organizer)
    assert community.slug == "coastal-heritage-planners-2"


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_launch_refuses_a_launched_draft_someone_elses_and_an_unfinished_one(organizer):
    draft = _draft(organizer)
    launch(draft, actor=organizer)
    with pytest.raises(WizardError):
        launch(draft, actor=organizer)
    assert Community.objects.count() == 1

    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        launch(_draft(stranger), actor=organizer)

    unfinished = _draft(UserFactory())
    del unfinished.data["recruitment"]
    unfinished.save()
    with pytest.raises(WizardError, match="Step 5 was never saved"):
        launch(unfinished, actor=unfinished.owner)
    assert Community.objects.count() == 1


# --- All or nothing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failing",
    [
        "facilitation.wizard.launch.create_cycle",
        "facilitation.wizard.launch.start_guidelines",
        "facilitation.wizard.launch.CommunitySetup.objects.create",
    ],
)
@pytest.mark.django_db(transaction=True)
def test_launch_failing_late_leaves_nothing_and_sends_nothing(organizer, failing):
    draft = _draft(organizer)
    with (
        mock.patch(failing, side_effect=RuntimeError("the last step broke")),
        pytest.raises(RuntimeError),
    ):
        launch(draft, actor=organizer)
    _nothing_left()
    draft.refresh_from_db()
    assert draft.launched_at is None
    assert draft.community is None


@pytest.mark.django_db(transaction=True)
def test_launch_sends_invitations_only_after_the_commit(organizer):
    draft = _draft(organizer)
    with transaction.atomic():
        community = launch(draft, actor=organizer)
        assert OutboxEmail.objects.filter(sent_at__isnull=True).count() == 3
        assert mail.outbox == []
    assert sorted(email.to[0] for email in mail.outbox) == [
        "ana@example.org",
        "ben@example.org",
        "fay@example.org",
    ]
    assert OutboxEmail.objects.filter(sent_at__isnull=False).count() == 3
    assert Invitation.objects.filter(community=community, last_sent_at__isnull=False).count() == 3


@pytest.mark.django_db(transaction=True)
def test_launch_rolled_back_by_the_caller_sends_nothing(organizer):
    draft = _draft(organizer)
    with pytest.raises(RuntimeError), transaction.atomic():
        launch(draft, actor=organizer)
        raise RuntimeError("the caller changed its mind")
    _nothing_left()
