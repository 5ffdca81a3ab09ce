"""The community's tabs (the "Community sections" navigation); each app registers its own.

An app calls `register_tab` in its `AppConfig.ready()`, as it registers its activity verbs. The
layout asks `tabs_for(community, access, current_url_name)` (through the `community_tabs`
template tag) for the tabs this person sees. A tab whose URL name does not resolve is an
error, never a tab that silently disappears: the system check below reports it at start-up
(and in the suite), and reversing it while rendering raises.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core import checks
from django.urls import NoReverseMatch, get_resolver, reverse

from communities.models import Community
from communities.permissions import ORGANIZER, STAFF, Access


@dataclass(frozen=True)
class Tab:
    name: str
    label: str  # a lazy translation
    url_name: str  # a URL taking the community's slug as its only argument
    # Shown only to people who have it (or one of them); None: to everyone who sees the page.
    capability: str | tuple[str, ...] | None
    order: int
    active_url_names: frozenset[str]  # the pages on which the tab is the current one
    shown_if: Callable[[Community], bool] | None  # a further condition on the community


@dataclass(frozen=True)
class ShownTab:
    name: str
    label: str
    url: str
    active: bool


TABS: dict[str, Tab] = {}


def register_tab(
    *,
    name: str,
    label,
    url_name: str,
    capability: str | tuple[str, ...] | None = None,
    order: int,
    active_url_names: Iterable[str] = (),
    shown_if: Callable[[Community], bool] | None = None,
) -> None:
    """Add a tab to every community's navigation (registering the same name again replaces it).

    The tab is the current one on its own page and on the pages named in `active_url_names`.
    """
    TABS[name] = Tab(
        name=name,
        label=label,
        url_name=url_name,
        capability=capability,
        order=order,
        active_url_names=frozenset({url_name, *active_url_names}),
        shown_if=shown_if,
    )


def registered_tabs() -> list[Tab]:
    """Every registered tab, in order."""
    return sorted(TABS.values(), key=lambda tab: (tab.order, tab.name))


def tabs_for(
    community: Community, access: Access | None, current_url_name: str | None
) -> list[ShownTab]:
    """The tabs this person sees in the community, each with its address and whether it is the
    page being shown (without an Access, only the tabs that ask for no capability)."""
    shown = []
    for tab in registered_tabs():
        if tab.capability is not None and not _allowed(tab, access):
            continue
        if tab.shown_if is not None and not tab.shown_if(community):
            continue
        shown.append(
            ShownTab(
                name=tab.name,
                label=tab.label,
                url=reverse(tab.url_name, args=[community.slug]),
                active=current_url_name in tab.active_url_names,
            )
        )
    return shown


def _capabilities(tab: Tab) -> tuple[str, ...]:
    if tab.capability is None:
        return ()
    return (tab.capability,) if isinstance(tab.capability, str) else tuple(tab.capability)


def _allowed(tab: Tab, access: Access | None) -> bool:
    return access is not None and any(access.can(name) for name in _capabilities(tab))


KNOWN_CAPABILITIES = ORGANIZER | STAFF


def _unknown_url(tab: Tab, url_name: str, why: str) -> checks.Error:
    return checks.Error(
        f"The community tab {tab.name!r} names the URL {url_name!r}, which {why}.",
        hint="Correct the name given to communities.tabs.register_tab().",
        obj=tab.name,
        id="communities.E001",
    )


def check_tabs(app_configs=None, **kwargs) -> list[checks.Error]:
    """System check: every tab's URL names resolve with a slug and its capability exists."""
    errors = []
    for tab in registered_tabs():
        try:
            reverse(tab.url_name, args=["slug"])
        except NoReverseMatch:
            errors.append(_unknown_url(tab, tab.url_name, "does not resolve with a community slug"))
        known = get_resolver().reverse_dict
        for url_name in sorted(tab.active_url_names - {tab.url_name}):
            if url_name not in known:
                errors.append(_unknown_url(tab, url_name, "is not a URL name"))
        for capability in _capabilities(tab):
            if capability not in KNOWN_CAPABILITIES:
                errors.append(
                    checks.Error(
                        f"The community tab {tab.name!r} asks for the unknown capability "
                        f"{capability!r}.",
                        obj=tab.name,
                        id="communities.E002",
                    )
                )
    return errors
