"""The "Open assessments" panel on the community's home (communities.home)."""

from assessments import selectors
from communities.home import register_home_panel
from communities.permissions import Access

MOST_SHOWN = 10


def open_assessments(access: Access) -> dict | None:
    """The open cycles for a member to answer, each saying whether they answered it; None for
    non-members and when nothing is open."""
    if not access.is_member or not access.can("assessment.respond"):
        return None
    cycles = list(selectors.open_cycles_of(access).order_by("closes_at", "pk")[:MOST_SHOWN])
    if not cycles:
        return None
    answered = selectors.answered_cycle_ids(access, cycles)
    return {"cycles": [(cycle, cycle.pk in answered) for cycle in cycles]}


def register_home_panels() -> None:
    """Called from AssessmentsConfig.ready()."""
    register_home_panel(
        "open_assessments",
        "assessments/cycle_home_panel.html",
        open_assessments,
        order=10,
    )
