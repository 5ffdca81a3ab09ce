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

        from facilitation.dashboard import register_dashboard_tab

        register_dashboard_tab()

        from facilitation.guidelines.home import register_guidelines_tab_and_panel

        register_guidelines_tab_and_panel()
