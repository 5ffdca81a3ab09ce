"""Demo facilitation: the mathematics network's published guidelines (with their discussion
thread), its getting-started set-up, a help request a member sent the facilitators, and a public
knowledge entry promoted from an answered question.
Idempotent: nothing is added twice."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, HelpRequest
from communities.services import ask_for_help
from facilitation.guidelines.services import publish_guidelines, start_guidelines
from facilitation.knowledge.services import SourceRef, promote_to_knowledge
from facilitation.models import CommunitySetup, KnowledgeEntry
from forums.demo import QUESTION_TITLE
from forums.models import Thread


@transaction.atomic
def seed_facilitation(communities: list[Community]) -> None:
    math = next(community for community in communities if community.slug == "math-teachers")
    organizer = math.memberships.get(user__email="organizer@example.com").user
    member = math.memberships.get(user__email="member@example.com").user
    guidelines = start_guidelines(math, actor=organizer)
    publish_guidelines(guidelines, actor=organizer)
    CommunitySetup.objects.get_or_create(community=math)
    if not HelpRequest.objects.filter(community=math, asker=member).exists():
        ask_for_help(
            math,
            actor=member,
            subject="Embedding a GeoGebra applet in a post",
            body="I pasted the applet's link in my post but it shows as plain text. "
            "Is there a way to show the applet itself?",
            asked_from=reverse("forum_list", args=[math.slug]),
        )
    _seed_knowledge(math)


def _seed_knowledge(math: Community) -> None:
    """The answered question, promoted to a published entry readable by anyone (the public
    network allows public knowledge)."""
    thread = Thread.objects.filter(community=math, title=QUESTION_TITLE).first()
    if thread is None or KnowledgeEntry.objects.filter(community=math).exists():
        return
    if not math.allow_public_knowledge:
        math.allow_public_knowledge = True
        math.save(update_fields=["allow_public_knowledge"])
    facilitator = math.memberships.get(user__email="facilitator@example.com").user
    promote_to_knowledge(
        math,
        actor=facilitator,
        sources=[SourceRef("thread", thread, thread.title, thread.get_absolute_url())],
        title="Opening a lesson on fractions",
        summary="Open with a **fair-sharing problem** (three pizzas, four friends); bring in "
        "the notation only once the class has argued about the shares.",
        tags=["fractions", "lesson openings"],
        steward=facilitator,
        review_on=timezone.localdate() + timedelta(days=180),
        status=KnowledgeEntry.Status.PUBLISHED,
        visibility=KnowledgeEntry.Visibility.PUBLIC,
    )
