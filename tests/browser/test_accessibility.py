"""axe-core in Chromium on the pages, as each role sees them (anonymous visitor, outsider,
member, facilitator, organizer), in English and in French, at desktop and phone width: no
serious or critical violation, and no page wider than the screen.

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
from accounts.models import User
from assessments.models import Cycle, Survey, ValueStory
from communities.models import HelpRequest
from documents.models import Document
from facilitation.models import KnowledgeEntry
from forums.demo import QUESTION_TITLE
from forums.models import Thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PEOPLE = {
    "anonymous": None,
    "outsider": "outsider@example.com",
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


def _thread() -> Thread:
    return Thread.objects.filter(forum__community__slug=SLUG, hidden_at__isnull=True).first()


def _question() -> Thread:
    return Thread.objects.get(forum__community__slug=SLUG, title=QUESTION_TITLE)


def _knowledge_entry() -> KnowledgeEntry:
    return KnowledgeEntry.objects.filter(community__slug=SLUG).first()


def _document() -> Document:
    return Document.objects.filter(community__slug=SLUG, trashed_at__isnull=True).first()


def _help_request_url() -> str:
    help_request = HelpRequest.objects.filter(community__slug=SLUG).first()
    return reverse("help_request", args=[SLUG, help_request.pk])


@dataclass(frozen=True)
class Page:
    name: str
    who: tuple[str, ...]
    address: Callable[[], str]


EVERYONE = ("member", "facilitator", "organizer")
# A public community's pages: what anyone sees.
ANYONE = ("anonymous", "outsider", *EVERYONE)
SIGNED_IN = ("outsider", *EVERYONE)
FACILITATORS = ("facilitator", "organizer")

PAGES = [
    # The shell and the community's pages.
    Page("my communities", ANYONE, lambda: reverse("home")),
    Page("community home", ANYONE, lambda: reverse("community", args=[SLUG])),
    Page("forums", ANYONE, lambda: reverse("forum_list", args=[SLUG])),
    Page("latest threads", ANYONE, lambda: reverse("latest", args=[SLUG])),
    Page("thread", ANYONE, lambda: _thread().get_absolute_url()),
    Page("documents", ANYONE, lambda: reverse("documents", args=[SLUG])),
    Page("document", ANYONE, lambda: _document().get_absolute_url()),
    Page("members", EVERYONE, lambda: reverse("members", args=[SLUG])),
    Page("notifications", SIGNED_IN, lambda: reverse("notifications")),
    Page("email preferences", SIGNED_IN, lambda: reverse("email_preferences")),
    Page("profile", SIGNED_IN, lambda: reverse("profile")),
    Page("search", ANYONE, lambda: reverse("search") + "?q=lesson"),
    Page("log in", ("anonymous",), lambda: reverse("account_login")),
    Page("sign up", ("anonymous",), lambda: reverse("account_signup")),
    Page("invitations", FACILITATORS, lambda: reverse("invitations", args=[SLUG])),
    Page("review queue", FACILITATORS, lambda: reverse("moderation_queue", args=[SLUG])),
    Page("audit log", FACILITATORS, lambda: reverse("audit_log", args=[SLUG])),
    Page("settings", ("organizer",), lambda: reverse("community_settings", args=[SLUG])),
    Page("close the community", ("organizer",), lambda: reverse("community_close", args=[SLUG])),
    # Questions, answers and curated knowledge.
    Page("questions forum", ANYONE, lambda: reverse("forum", args=[SLUG, "questions"])),
    Page("answered question", ANYONE, lambda: _question().get_absolute_url()),
    Page(
        "thread summary",
        ("facilitator",),
        lambda: reverse("thread_summary", args=[SLUG, _question().pk]),
    ),
    Page("knowledge", ANYONE, lambda: reverse("knowledge", args=[SLUG])),
    Page("knowledge entry", ANYONE, lambda: _knowledge_entry().get_absolute_url()),
    Page(
        "promote to knowledge",
        ("facilitator",),
        lambda: reverse("knowledge_promote", args=[SLUG]) + f"?thread={_question().pk}",
    ),
    # The facilitators' layer: dashboard, guidelines, help desk, the set-up wizard.
    Page("dashboard", FACILITATORS, lambda: reverse("facilitate", args=[SLUG])),
    Page("welcome post", ("facilitator",), lambda: reverse("facilitate_welcome", args=[SLUG])),
    Page("guidelines", ANYONE, lambda: reverse("guidelines", args=[SLUG])),
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
    """Through the login form, in any language (at phone width the navigation is folded)."""
    page.goto(live_server.url + reverse("account_login"))
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_url(live_server.url + "/")


def _serious(violations: list[dict]) -> list[str]:
    found = []
    for violation in violations:
        if violation.get("impact") not in ("serious", "critical"):
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {'; '.join(targets)}")
    return found


LOCALES = {"en": "en-GB", "fr": "fr-FR"}


@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_accessibility_pages_have_no_serious_violation(browser, live_server, role, width, language):
    call_command("seed_demo")
    context = browser.new_context(locale=LOCALES[language], viewport=WIDTHS[width])
    context.set_default_timeout(15_000)
    page = context.new_page()
    if PEOPLE[role] is not None:
        # The page's language: the person's own setting wins over the browser's.
        User.objects.filter(email=PEOPLE[role]).update(language=language)
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
            assert page.locator("html").get_attribute("lang") == language, entry.name
            checked += 1
            found = _serious(axe.run(page).response["violations"])
            if found:
                problems[entry.name] = found
            # Nothing wider than the screen: wide tables scroll inside their own box.
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > WIDTHS[width]["width"]:
                problems[entry.name] = [*problems.get(entry.name, []), f"{wide} px wide"]
    finally:
        context.close()
    assert checked == sum(role in entry.who for entry in PAGES)
    assert problems == {}
