"""The facilitators' layer above the tools: the set-up wizard, the dashboard and its health
metrics, community guidelines, and search across a community's tools. It reads the tools through
their selectors and the events every tool declares (communities.events)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = _("Facilitation")

    def ready(self) -> None:
        from facilitation.events import register_facilitation_events

        register_facilitation_events()
        from communities.emails import map_events
        from facilitation.events import FacilitationEvent

        map_events("facilitators", [FacilitationEvent.MEMBER_NUDGE])

        from facilitation.dashboard import register_dashboard_tab

        register_dashboard_tab()

        from facilitation.guidelines.home import register_guidelines_tab_and_panel

        register_guidelines_tab_and_panel()

        from facilitation.knowledge.registry import register_knowledge

        register_knowledge()

        # Notification emails about a post carry a reply+<token>@ address (reply by email).
        from facilitation.inbound import register as register_reply_by_email

        register_reply_by_email()
