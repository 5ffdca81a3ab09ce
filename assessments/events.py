"""The assessments' events: audit actions, feed verbs and notices (see communities.events).

No event is written for an answer to an anonymous cycle: the log would tell who answered when.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.events import register_events


class AssessmentEvent(models.TextChoices):
    SURVEY_CREATE = "survey.create", _("Survey created")
    SURVEY_REVISE = "survey.revise", _("Survey revised")
    CYCLE_CREATE = "cycle.create", _("Assessment cycle scheduled")
    CYCLE_UPDATE = "cycle.update", _("Assessment cycle changed")
    CYCLE_OPEN = "cycle.open", _("Assessment opened")
    CYCLE_CLOSE = "cycle.close", _("Assessment closed")
    CYCLE_REMIND = "cycle.remind", _("Assessment closing soon")
    CYCLE_SHARE = "cycle.share", _("Assessment results shared")
    CYCLE_UNSHARE = "cycle.unshare", _("Assessment results no longer shared")
    STORY_CREATE = "story.create", _("Value story shared")
    STORY_EDIT = "story.edit", _("Value story changed by someone else")
    STORY_FEATURE = "story.feature", _("Value story featured")
    STORY_UNFEATURE = "story.unfeature", _("Value story no longer featured")


def register_assessment_events() -> None:
    event = AssessmentEvent
    register_events(
        event,
        feed={
            event.CYCLE_OPEN: _("The assessment “%(target)s” is open"),
            event.CYCLE_CLOSE: _("The assessment “%(target)s” has closed"),
            event.STORY_CREATE: _("%(actor)s shared a value story: “%(target)s”"),
        },
        notices={
            event.CYCLE_OPEN: _(
                "The assessment “%(cycle)s” is open in %(community_name)s until %(closes)s."
            ),
            event.CYCLE_REMIND: _(
                "The assessment “%(cycle)s” in %(community_name)s closes on %(closes)s: "
                "you have not answered yet."
            ),
            event.CYCLE_SHARE: _("The results of “%(cycle)s” in %(community_name)s are shared."),
        },
    )
