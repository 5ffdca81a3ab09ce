"""The getting-started checklist of a community, shown on its dashboard until every item is done.

Items tick themselves from what exists (nobody ticks them by hand): a welcome post and an
"introduce yourself" thread made from the dashboard (remembered on CommunitySetup), published
community guidelines, a document in the library, more invitations than were sent at launch, an
assessment cycle. Every community gets the checklist, those launched before the set-up wizard
existed too (they have no CommunitySetup row until an action makes one); an archived community
is not asked to do anything (the dashboard leaves the checklist out).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments import selectors as assessment_selectors
from communities.models import Community, Invitation
from documents import selectors as document_selectors
from facilitation.models import CommunitySetup, Guidelines


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    # Where to act on it (to do it), or to see it once done.
    url: str
    action_label: str


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]
    setup: CommunitySetup | None

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def completed_before(self) -> bool:
        """Completed on an earlier visit: the dashboard no longer shows it."""
        return self.setup is not None and self.setup.completed_at is not None


def setup_of(community: Community) -> CommunitySetup | None:
    return (
        CommunitySetup.objects.filter(community=community)
        .select_related("welcome_thread__community", "introductions_thread__community")
        .first()
    )


def checklist_for(community: Community) -> Checklist:
    """The community's checklist as things stand (a few queries, none once completed)."""
    setup = setup_of(community)
    if setup is not None and setup.completed_at is not None:
        return Checklist(items=[], setup=setup)
    slug = community.slug
    welcome = setup.welcome_thread if setup is not None else None
    introductions = setup.introductions_thread if setup is not None else None
    guidelines_published = Guidelines.objects.filter(
        community=community, published_at__isnull=False
    ).exists()
    invitations = Invitation.objects.filter(community=community).count()
    invited_more = (
        invitations > setup.invitations_at_launch if setup is not None else invitations > 0
    )
    items = [
        ChecklistItem(
            "welcome",
            _("Write a welcome post"),
            welcome is not None,
            welcome.get_absolute_url()
            if welcome is not None
            else reverse("facilitate_welcome", args=[slug]),
            _("Read it") if welcome is not None else _("Write it"),
        ),
        ChecklistItem(
            "guidelines",
            _("Publish the community guidelines"),
            guidelines_published,
            reverse("guidelines" if guidelines_published else "guidelines_edit", args=[slug]),
            _("Read them") if guidelines_published else _("Draft them"),
        ),
        ChecklistItem(
            "document",
            _("Share a first document"),
            document_selectors.has_documents(community),
            reverse("documents", args=[slug]),
            _("Open the library"),
        ),
        ChecklistItem(
            "introductions",
            _("Open an “introduce yourself” thread"),
            introductions is not None,
            introductions.get_absolute_url()
            if introductions is not None
            else reverse("facilitate_introductions", args=[slug]),
            _("Read it") if introductions is not None else _("Open it"),
        ),
        ChecklistItem(
            "invite",
            _("Invite more people"),
            invited_more,
            reverse("invitations", args=[slug]),
            _("Invite"),
        ),
        ChecklistItem(
            "assessment",
            _("Schedule an assessment"),
            assessment_selectors.has_cycles(community),
            reverse("assessments", args=[slug]),
            _("Open assessments"),
        ),
    ]
    return Checklist(items=items, setup=setup)
