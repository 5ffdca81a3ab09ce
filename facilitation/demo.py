"""Demo facilitation: the mathematics network's published guidelines (with their discussion
thread), its getting-started set-up, and a help request a member sent the facilitators.
Idempotent: nothing is added twice."""

from django.db import transaction
from django.urls import reverse

from communities.models import Community, HelpRequest
from communities.services import ask_for_help
from facilitation.guidelines.services import publish_guidelines, start_guidelines
from facilitation.models import CommunitySetup


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
