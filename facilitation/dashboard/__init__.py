"""The facilitators' dashboard at /c/<slug>/facilitate/: health tiles, participation levels and
who moved, the interdisciplinary mix, weekly activity, open help requests and the
getting-started checklist with its one-click actions (views, forms and the services they call).
The numbers come from facilitation.health and facilitation.checklist."""


def register_dashboard_tab() -> None:
    """The "Dashboard" tab, for those who facilitate (called from FacilitationConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from communities.tabs import register_tab

    register_tab(
        name="dashboard",
        label=_("Dashboard"),
        url_name="facilitate",
        capability="community.facilitate",
        order=5,
        active_url_names=("facilitate_welcome", "facilitate_introductions"),
    )
