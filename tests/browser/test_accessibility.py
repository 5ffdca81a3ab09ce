"""axe-core in Chromium on the pages, as each role sees them, at desktop and phone width: no
serious or critical violation (English; anonymous visitors, outsiders and French are issue 17's
to add).

`PAGES` is the one list of pages checked: a page added to Praxis is added here. Each entry names
who looks at it and how to find its address in the demo data.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from assessments.models import Cycle, Survey, ValueStory
from communities.models import HelpRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PEOPLE = {
    "member": "member@example.com",
    "facilitator": "facilitator@example.com",
    "organizer": "organizer@example.com",
}
SLUG = "math-teachers"


def _survey() -> Survey:
    return Survey.objects.get(community__slug=SLUG, template="value_creation")


def _open_cycle() -> Cycle:
    return Cycle.objects.get(community__slug=SLUG, state=Cycle.State.OPEN)


def _closed_cycle() -> Cycle:
    return Cycle.objects.filter(community__slug=SLUG, state=Cycle.State.CLOSED).first()


def _story() -> ValueStory:
    return ValueStory.objects.filter(community__slug=SLUG).first()


def _help_request_url() -> str:
    help_request = HelpRequest.objects.filter(community__slug=SLUG).first()
    return reverse("help_request", args=[SLUG, help_request.pk])


@dataclass(frozen=True)
class Page:
    name: str
    who: tuple[str, ...]
    address: Callable[[], str]


EVERYONE = ("member", "facilitator", "organizer")
FACILITATORS = ("facilitator", "organizer")

PAGES = [
    # The shell and the community's pages.
    Page("my communities", EVERYONE, lambda: reverse("home")),
    Page("community home", EVERYONE, lambda: reverse("community", args=[SLUG])),
    Page("forums", EVERYONE, lambda: reverse("forum_list", args=[SLUG])),
    Page("latest threads", EVERYONE, lambda: reverse("latest", args=[SLUG])),
    Page("documents", EVERYONE, lambda: reverse("documents", args=[SLUG])),
    Page("members", EVERYONE, lambda: reverse("members", args=[SLUG])),
    Page("notifications", EVERYONE, lambda: reverse("notifications")),
    Page("profile", EVERYONE, lambda: reverse("profile")),
    Page("search", EVERYONE, lambda: reverse("search") + "?q=lesson"),
    Page("invitations", FACILITATORS, lambda: reverse("invitations", args=[SLUG])),
    Page("review queue", FACILITATORS, lambda: reverse("moderation_queue", args=[SLUG])),
    Page("audit log", FACILITATORS, lambda: reverse("audit_log", args=[SLUG])),
    Page("settings", ("organizer",), lambda: reverse("community_settings", args=[SLUG])),
    # The facilitators' layer: dashboard, guidelines, help desk, the set-up wizard.
    Page("dashboard", FACILITATORS, lambda: reverse("facilitate", args=[SLUG])),
    Page("welcome post", ("facilitator",), lambda: reverse("facilitate_welcome", args=[SLUG])),
    Page("guidelines", EVERYONE, lambda: reverse("guidelines", args=[SLUG])),
    Page("guidelines history", ("member",), lambda: reverse("guidelines_history", args=[SLUG])),
    Page("guidelines edit", ("facilitator",), lambda: reverse("guidelines_edit", args=[SLUG])),
    Page("help requests", EVERYONE, lambda: reverse("help_requests", args=[SLUG])),
    Page("ask for help", ("member",), lambda: reverse("help_ask", args=[SLUG])),
    Page("help request", ("member", "facilitator"), lambda: _help_request_url()),
    Page("start a community", ("organizer",), lambda: reverse("start_step", args=[1])),
    # Assessments.
    Page("assessments", ("member", "facilitator"), lambda: reverse("assessments", args=[SLUG])),
    Page(
        "survey",
        ("facilitator",),
        lambda: reverse("survey", args=[SLUG, _survey().pk]),
    ),
    Page(
        "survey preview",
        ("facilitator",),
        lambda: reverse("survey_preview", args=[SLUG, _survey().pk]),
    ),
    Page("new survey", ("facilitator",), lambda: reverse("survey_new", args=[SLUG])),
    Page(
        "new question",
        ("facilitator",),
        lambda: reverse("question_new", args=[SLUG, _survey().pk]),
    ),
    Page(
        "new cycle",
        ("facilitator",),
        lambda: reverse("cycle_new", args=[SLUG, _survey().pk]),
    ),
    Page(
        "answering a cycle",
        ("member", "facilitator"),
        lambda: reverse("cycle", args=[SLUG, _open_cycle().pk]),
    ),
    Page(
        "results",
        ("member", "facilitator"),
        lambda: reverse("cycle_results", args=[SLUG, _closed_cycle().pk]),
    ),
    Page(
        "trends",
        ("facilitator",),
        lambda: reverse("survey_trends", args=[SLUG, _survey().pk]),
    ),
    Page("value stories", ("member",), lambda: reverse("value_stories", args=[SLUG])),
    Page(
        "value story matrix",
        ("facilitator",),
        lambda: reverse("value_stories", args=[SLUG]) + "?view=matrix",
    ),
    Page("new value story", ("member",), lambda: reverse("value_story_new", args=[SLUG])),
    Page(
        "value story",
        ("member",),
        lambda: reverse("value_story", args=[SLUG, _story().pk]),
    ),
    Page("value report", ("organizer",), lambda: reverse("value_report", args=[SLUG])),
]


def _log_in(page, live_server, email: str) -> None:
    """Through the login form (at phone width the navigation is folded away)."""
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")


def _serious(violations: list[dict]) -> list[str]:
    found = []
    for violation in violations:
        if violation.get("impact") not in ("serious", "critical"):
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {'; '.join(targets)}")
    return found


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_accessibility_pages_have_no_serious_violation(browser, live_server, role, width):
    call_command("seed_demo")
    context = browser.new_context(locale="en-GB", viewport=WIDTHS[width])
    context.set_default_timeout(15_000)
    page = context.new_page()
    _log_in(page, live_server, PEOPLE[role])
    axe = Axe()
    problems = {}
    checked = 0
    try:
        for entry in PAGES:
            if role not in entry.who:
                continue
            response = page.goto(live_server.url + entry.address())
            assert response.status == 200, f"{entry.name}: {response.status}"
            checked += 1
            found = _serious(axe.run(page).response["violations"])
            if found:
                problems[entry.name] = found
    finally:
        context.close()
    assert checked == sum(role in entry.who for entry in PAGES)
    assert problems == {}
