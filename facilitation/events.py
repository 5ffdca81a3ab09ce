"""The facilitation layer's events: audit actions, feed verbs and notices (see
communities.events)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.events import register_events


class FacilitationEvent(models.TextChoices):
    COMMUNITY_LAUNCH = "community.launch", _("Community launched from the set-up wizard")
    GUIDELINES_EDIT = "guidelines.edit", _("Community guidelines changed")
    GUIDELINES_PUBLISH = "guidelines.publish", _("Community guidelines published")
    MEMBER_NUDGE = "member.nudge", _("Member nudged")
    EXPORT_MEMBERS = "export.members", _("Members exported")
    EXPORT_ACTIVITY = "export.activity", _("Activity exported")
    # Knowledge (issue 16).
    KNOWLEDGE_CREATE = "knowledge.create", _("Knowledge entry created")
    KNOWLEDGE_EDIT = "knowledge.edit", _("Knowledge entry changed")
    KNOWLEDGE_PUBLISH = "knowledge.publish", _("Knowledge entry published")
    KNOWLEDGE_RETIRE = "knowledge.retire", _("Knowledge entry retired")
    KNOWLEDGE_REVIEW = "knowledge.review", _("Knowledge entry review confirmed")


def register_facilitation_events() -> None:
    event = FacilitationEvent
    register_events(
        event,
        feed={
            event.GUIDELINES_PUBLISH: _("%(actor)s published the community guidelines"),
        },
        notices={
            event.MEMBER_NUDGE: _(
                "%(person)s, facilitator of %(community_name)s, would be glad to hear from you: "
                "%(message)s"
            ),
        },
    )
