"""The knowledge base in Chromium (issue 16): the organizer allows public knowledge, a
facilitator promotes a thread, edits the summary and publishes it publicly; an anonymous visitor
reads it and finds it in the community's Atom feed."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from facilitation.models import KnowledgeEntry
from tests.browser.people import expect_told, log_in
from tests.conftest import TEST_PASSWORD
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import add_replies, forum_in, start_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _serious_violations(page, axe: Axe, name: str, found: dict) -> None:
    """Note the serious and critical axe violations of the page at desktop and phone width."""
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        bad = [
            f"{violation['id']}: {violation['nodes'][0]['target']}"
            for violation in axe.run(page).response["violations"]
            if violation.get("impact") in ("serious", "critical")
        ]
        if bad:
            found[f"{name} at {width}"] = bad
    page.set_viewport_size(WIDTHS["desktop"])


def test_knowledge_journey_promote_edit_publish_read_anonymously_and_in_the_feed(
    new_page, live_server
):
    community = CommunityFactory(slug="lesson-study", name="Lesson Study")
    organizer = UserFactory(display_name="Olga Organizer")
    facilitator = UserFactory(display_name="Fatou Facilitator")
    member = UserFactory(display_name="Mateo Member")
    MembershipFactory(community=community, user=organizer, role="organizer")
    MembershipFactory(community=community, user=facilitator, role="facilitator")
    MembershipFactory(community=community, user=member)
    thread = start_thread(
        forum_in(community, name="Questions"),
        member,
        title="How do you open a lesson?",
        body="I never know how to start.",
    )
    add_replies(thread, [facilitator], 1, body="Start with a question the class cares about.")
    base = live_server.url
    axe = Axe()
    problems: dict[str, list[str]] = {}

    # The organizer allows public knowledge in the community's settings.
    organizer_page = new_page()
    log_in(organizer_page, live_server, organizer.email, "Olga Organizer", TEST_PASSWORD)
    organizer_page.goto(f"{base}/c/{community.slug}/settings/")
    organizer_page.get_by_label("Allow public knowledge").check()
    organizer_page.get_by_role("button", name="Save settings").click()
    community.refresh_from_db()
    assert community.allow_public_knowledge

    # The facilitator promotes the thread from its page.
    page = new_page()
    log_in(page, live_server, facilitator.email, "Fatou Facilitator", TEST_PASSWORD)
    page.goto(base + thread.get_absolute_url())
    page.get_by_role("link", name="Promote to knowledge").click()
    expect(page.get_by_role("heading", name="Promote to knowledge")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("How do you open a lesson?")
    _serious_violations(page, axe, "promote", problems)
    page.get_by_label("Tags").fill("lessons, openings")
    page.get_by_role("button", name="Create the entry").click()
    expect_told(page, "The knowledge entry was created.")
    expect(page.get_by_role("heading", name="How do you open a lesson?")).to_be_visible()
    _serious_violations(page, axe, "entry (facilitator)", problems)

    # Edits the summary and publishes it for everyone.
    page.get_by_role("link", name="Edit the entry").click()
    page.get_by_label("Summary").fill(
        "Open every lesson with **a question** the class cares about."
    )
    page.get_by_label("Status").select_option("published")
    page.get_by_label("Who may read it").select_option("public")
    page.get_by_role("button", name="Save").click()
    expect_told(page, "The knowledge entry was saved.")
    expect(page.locator(".rendered-markdown strong")).to_have_text("a question")
    entry = KnowledgeEntry.objects.get()
    assert (entry.status, entry.visibility) == ("published", "public")

    # An anonymous visitor reads it from the knowledge tab, and finds it in the feed.
    visitor = new_page()
    visitor.goto(f"{base}/c/{community.slug}/")
    visitor.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Knowledge"
    ).click()
    visitor.get_by_role("link", name="How do you open a lesson?").click()
    expect(visitor.get_by_text("the class cares about.")).to_be_visible()
    expect(visitor.locator('meta[property="og:title"]')).to_have_attribute(
        "content", "How do you open a lesson?"
    )
    visitor.goto(f"{base}/c/{community.slug}/knowledge/")
    _serious_violations(visitor, axe, "list (anonymous)", problems)
    page.goto(f"{base}/c/{community.slug}/facilitate/")
    _serious_violations(page, axe, "dashboard", problems)
    feed = visitor.request.get(f"{base}/c/{community.slug}/knowledge/feed.atom")
    assert feed.ok
    body = feed.text()
    assert "<title>How do you open a lesson?</title>" in body
    assert entry.get_absolute_url() in body
    assert problems == {}
