from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from assessments.events import register_assessment_events
        from assessments.home import register_home_panels
        from assessments.models import ValueStory
        from assessments.selectors import story_labels
        from assessments.urls import urlpatterns
        from communities.activity import register_activity_target
        from communities.tabs import register_tab

        register_assessment_events()
        from assessments.events import AssessmentEvent as event
        from communities.emails import map_events

        map_events("assessments", [event.CYCLE_OPEN, event.CYCLE_REMIND, event.CYCLE_SHARE])
        register_activity_target(ValueStory, story_labels)
        register_home_panels()
        register_tab(
            name="assessments",
            label=_("Assessments"),
            url_name="assessments",
            # Members answer; facilitators (an archived community's too) read results.
            capability=("assessment.respond", "assessment.results"),
            order=35,
            # Every page of the app is under this tab.
            active_url_names=[pattern.name for pattern in urlpatterns],
        )
