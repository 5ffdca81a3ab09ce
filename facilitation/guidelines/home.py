"""The "Our guidelines" panel on the community's home, for members who joined lately."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.home import register_home_panel
from communities.permissions import Access
from facilitation.models import Guidelines

# How long after joining a member is shown the guidelines on the community's home.
NEWCOMER_DAYS = 14


def newcomer_guidelines(access: Access) -> dict | None:
    """The published guidelines for a member who joined in the last NEWCOMER_DAYS days; None
    for everyone else (one query for newcomers, none otherwise)."""
    if not access.is_member:
        return None
    if access.membership.joined_at < timezone.now() - timedelta(days=NEWCOMER_DAYS):
        return None
    guidelines = (
        Guidelines.objects.filter(community=access.community, published_at__isnull=False)
        .only("body_html", "published_at", "community_id")
        .first()
    )
    if guidelines is None:
        return None
    return {"guidelines": guidelines, "community": access.community}


def register_guidelines_tab_and_panel() -> None:
    """Called from FacilitationConfig.ready()."""
    from communities.tabs import register_tab

    register_home_panel(
        "newcomer_guidelines",
        "facilitation/guidelines/home_panel.html",
        newcomer_guidelines,
        order=5,
    )
    # Everyone who sees the community sees the tab: the page shows the published guidelines,
    # or says there are none yet (and offers facilitators to draft them).
    register_tab(
        name="guidelines",
        label=_("Guidelines"),
        url_name="guidelines",
        order=37,
        active_url_names=("guidelines_edit", "guidelines_history"),
    )
