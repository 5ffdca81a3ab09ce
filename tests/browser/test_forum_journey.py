"""The forums in Chromium, on the demo data: a member starts a thread with a table, code and a
mention picked from the suggestions; the mentioned facilitator is told, replies and reacts without
a reload; search finds the reply; a private community's posts stay hidden from an outsider."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from forums import services
from forums.models import Forum, Reaction, Thread
from tests.browser.people import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Timing the handshake problem across classes"
TABLE = "| class | groups | minutes |\n|---|---|---|\n| 10A | 6 | 25 |\n| 10C | 5 | 40 |\n"
CODE = "```python\ndef handshakes(n):\n    return n * (n - 1) // 2\n```"


def _search_from_the_navigation(page, words: str) -> None:
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("searchbox", name="Search").fill(words)
    nav.get_by_role("searchbox", name="Search").press("Enter")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()


def test_journey_thread_mention_reply_reaction_search_and_privacy(
    demo, page, new_page, live_server
):
    # Farid's saved language is French. He logs in first and switches to English with the EN
    # button, which saves English: the notification he is about to get is written in it.
    farid = new_page()
    log_in(farid, live_server, "facilitator@example.com", "Farid Facilitator")
    expect(farid.locator("html")).to_have_attribute("lang", "fr")
    farid.get_by_role("button", name="EN — English").click()
    expect(farid.locator("html")).to_have_attribute("lang", "en")
    expect(farid.get_by_role("heading", name="Welcome, Farid Facilitator")).to_be_visible()

    # Maya starts a thread in the Lesson study forum.
    log_in(page, live_server, "member@example.com", "Maya Member")
    page.get_by_role("region", name="My communities").get_by_role(
        "link", name="Mathematics Teachers Network"
    ).click()
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Forums"
    ).click()
    page.get_by_role("link", name="Lesson study", exact=True).click()
    page.get_by_role("link", name="New thread").click()
    expect(page.get_by_role("heading", name="New thread in Lesson study")).to_be_visible()

    page.get_by_label("Title").fill(TITLE)
    message = page.get_by_label("Message")
    message.fill(f"We timed it in two classes:\n\n{TABLE}\nThe formula we reached:\n\n{CODE}\n\n")
    # The mention is picked from the suggestions that appear while typing after @.
    message.press_sequentially("What did you see in Lyon, @fari")
    suggestion = page.get_by_role("listbox", name="Members to mention").get_by_role(
        "option", name=re.compile("Farid Facilitator")
    )
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.get_by_role("listbox", name="Members to mention")).to_have_count(0)
    expect(message).to_have_value(re.compile(r"What did you see in Lyon, @farid-facilitator $"))
    message.press_sequentially("?")
    page.get_by_role("button", name="Start the thread").click()

    thread = Thread.objects.get(title=TITLE)
    expect(page).to_have_url(f"{live_server.url}/c/math-teachers/t/{thread.pk}/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    first_post = page.locator("#post-1")
    table = first_post.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(["class", "groups", "minutes"])
    expect(table.get_by_role("row").filter(has_text="10C")).to_have_text(
        re.compile("10C\\s*5\\s*40")
    )
    expect(first_post.locator("pre code")).to_have_text(
        "def handshakes(n):\n    return n * (n - 1) // 2\n"
    )
    expect(first_post.get_by_role("link", name="@farid-facilitator")).to_have_attribute(
        "href", "/c/math-teachers/members/?q=farid-facilitator"
    )

    # Farid is told, opens the notice and lands on the thread.
    farid.reload()
    nav = farid.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(farid.get_by_role("heading", name="Notifications")).to_be_visible()
    farid.get_by_role("link", name=f"Maya Member mentioned you in “{TITLE}”.").click()
    expect(farid).to_have_url(re.compile(rf"/c/math-teachers/t/{thread.pk}/\?page=1#post-1$"))
    expect(farid.get_by_role("heading", name=TITLE)).to_be_visible()

    # He replies and reacts; the page is never reloaded (htmx), which this marker proves.
    farid.evaluate("window.notReloaded = true")
    farid.locator("#reply").get_by_label("Message").fill(
        "Same pattern with the zebrafish club: the slow groups explained it best."
    )
    farid.get_by_role("button", name="Post reply").click()
    reply = farid.locator("#post-2")
    expect(reply).to_contain_text("the zebrafish club")
    expect(reply).to_contain_text("Farid Facilitator")
    expect(farid.locator("#reply").get_by_label("Message")).to_have_value("")

    reactions = farid.locator("#post-1 .reactions")
    expect(reactions.get_by_role("button", name="Thumbs up 0")).to_have_attribute(
        "aria-pressed", "false"
    )
    reactions.get_by_role("button", name="Thumbs up 0").click()
    # The reactions are swapped in place: the button now counts Farid's reaction.
    expect(reactions.get_by_role("button", name="Thumbs up 1")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(reactions.get_by_role("button", name="Thumbs up 1")).to_contain_text("👍")
    assert farid.evaluate("window.notReloaded") is True
    assert thread.posts.count() == 2
    assert Reaction.objects.filter(
        post__thread=thread,
        post__number=1,
        user__email="facilitator@example.com",
        kind=Reaction.Kind.THUMBS_UP,
    ).exists()

    # Search, from the navigation's search box, finds the thread by a word of the reply.
    _search_from_the_navigation(farid, "zebrafish")
    expect(farid).to_have_url(f"{live_server.url}/search/?q=zebrafish")
    results = farid.locator("#search-results")
    expect(results).to_contain_text("1 result")
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results.locator("mark")).to_have_text("zebrafish")
    results.get_by_role("link", name=TITLE).click()
    expect(farid).to_have_url(re.compile(rf"/c/math-teachers/t/{thread.pk}/\?page=1#post-2$"))

    # A word only a post of the private Regional Planning Forum holds.
    planning_forum = Forum.objects.get(community__slug="regional-planning", slug="local-plans")
    services.start_thread(
        planning_forum,
        actor=User.objects.get(email="organizer@example.com"),
        title="Draft zoning for the old tannery site",
        body="The quillwort survey delays the tannery zoning until spring.",
    )

    outsider = new_page()
    log_in(outsider, live_server, "outsider@example.com", "Oscar Outsider")
    _search_from_the_navigation(outsider, "quillwort")
    expect(outsider.locator("#search-results")).to_contain_text("Nothing found for “quillwort”.")
    expect(outsider.get_by_text("old tannery site")).to_have_count(0)
    outsider.goto(f"{live_server.url}/search/?q=quillwort&community=regional-planning")
    expect(outsider.locator("#search-results")).to_contain_text("Nothing found for “quillwort”.")

    organizer = new_page()
    log_in(organizer, live_server, "organizer@example.com", "Olivia Organizer")
    _search_from_the_navigation(organizer, "quillwort")
    organizer_results = organizer.locator("#search-results")
    expect(organizer_results).to_contain_text("1 result")
    expect(
        organizer_results.get_by_role("link", name="Draft zoning for the old tannery site")
    ).to_be_visible()
    expect(organizer_results).to_contain_text("Regional Planning Forum")

    for tab in (page, farid, outsider, organizer):
        assert tab.console_errors == [], "the browser reported errors (CSP violations included)"
