"""Panels on a community's home that the tools above contribute (open assessments, …).

The home page belongs to this app, which must not import the tools. A tool calls
`register_home_panel` in its `AppConfig.ready()`, as it registers its tab; the home view asks
`home_panels(access)` and includes each panel's template with the context the panel's function
gave. A function returning None shows nothing (nothing to show, or not for this person).
"""

from collections.abc import Callable
from dataclasses import dataclass

from communities.permissions import Access


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    context: Callable[[Access], dict | None]
    order: int


@dataclass(frozen=True)
class ShownPanel:
    name: str
    template: str
    context: dict


PANELS: dict[str, HomePanel] = {}


def register_home_panel(
    name: str, template: str, context: Callable[[Access], dict | None], order: int = 50
) -> None:
    """Add a panel to every community's home (registering the same name again replaces it)."""
    PANELS[name] = HomePanel(name=name, template=template, context=context, order=order)


def home_panels(access: Access) -> list[ShownPanel]:
    """The panels this person sees on the community's home, in order."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda panel: (panel.order, panel.name)):
        context = panel.context(access)
        if context is not None:
            shown.append(ShownPanel(name=panel.name, template=panel.template, context=context))
    return shown
