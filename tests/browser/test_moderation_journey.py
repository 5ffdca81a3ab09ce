"""Moderation in Chromium, on the demo data: a member flags a reply with a reason; the facilitator
is told, reviews it in the queue and hides it with a reason; its author reads why, on the
notification and under the post; other members see a placeholder until the facilitator restores
the post, which comes back as it was."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import AuditEvent
from forums.models import Flag, Post
from tests.browser.people import expect_told, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Open-ended tasks with 15-year-olds: how long do you let them struggle?"
FLAG_DETAILS = "The tone towards the other teachers feels dismissive to me."
HIDE_REASON = "Please rephrase: keep the advice, drop the jab at colleagues."
PLACEHOLDER = "This post was hidden by the facilitators."


def _open_notifications(page) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=re.compile(r"^Notifications")
    ).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()


def _open_the_thread(page) -> None:
    """From the front page (through the navigation) to the thread, via the community's forums."""
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="My communities"
    ).click()
    page.get_by_role("region", name="My communities").get_by_role(
        "link", name="Mathematics Teachers Network"
    ).click()
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Forums"
    ).click()
    page.get_by_role("link", name="Problem solving in class", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()


def test_journey_flag_review_hide_explain_and_restore(demo, page, new_page, live_server):
    # Farid's saved language is French: he switches to English first, which saves it, so the
    # notices he is about to get are written in English.
    farid = new_page()
    log_in(farid, live_server, "facilitator@example.com", "Farid Facilitator")
    expect(farid.locator("html")).to_have_attribute("lang", "fr")
    farid.get_by_role("button", name="EN — English").click()
    expect(farid.locator("html")).to_have_attribute("lang", "en")
    expect(farid.get_by_role("heading", name="Welcome, Farid Facilitator")).to_be_visible()

    # Maya opens the thread and flags Inès's reply (#3), with a reason and details.
    log_in(page, live_server, "member@example.com", "Maya Member")
    _open_the_thread(page)
    reply = page.locator("#post-3")
    expect(reply).to_contain_text("Inès Moreau")
    original = reply.locator(".post-body").inner_text()
    assert "help card" in original
    reply.get_by_role("link", name="Flag").click()
    expect(
        page.get_by_role("heading", name=re.compile("Flag the post of Inès Moreau"))
    ).to_be_visible()
    page.get_by_role("radio", name="Inappropriate or hurtful").check()
    page.get_by_label("Details").fill(FLAG_DETAILS)
    page.get_by_role("button", name="Flag the post").click()
    expect_told(page, "Thank you: the facilitators will look at this post.")
    post = Post.objects.get(thread__title=TITLE, number=3)
    assert Flag.objects.filter(post=post, user__email="member@example.com").exists()
    # One flag does not hide the post: it is still there for everyone until a facilitator decides.
    expect(page.locator("#post-3 .post-body")).to_contain_text("help card")

    # Farid is told the queue has something, and opens it from the notice.
    farid.reload()
    _open_notifications(farid)
    farid.get_by_role("link", name=f"A post in “{TITLE}” needs review: flagged by a member").click()
    expect(farid.get_by_role("heading", name="Review queue")).to_be_visible()
    # The one flagged post, and nothing else of the community.
    expect(farid.locator(".flagged-item")).to_have_count(1)
    item = farid.locator(".flagged-item").filter(has_text="help card")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("1 flag")
    expect(item).to_contain_text("Inès Moreau")
    expect(item.locator(".flag-reasons")).to_contain_text(
        f"Maya Member: Inappropriate or hurtful — “{FLAG_DETAILS}”"
    )
    # Agree in place (htmx): the item turns into the result, the page does not reload.
    farid.evaluate("window.notReloaded = true")
    item.get_by_label("Reason").fill(HIDE_REASON)
    item.get_by_role("button", name="Agree: hide with this reason").click()
    expect(farid.locator(".queue-done")).to_have_text(
        "The post is hidden. Its author has been told why."
    )
    assert farid.evaluate("window.notReloaded === true")
    farid.reload()
    expect(farid.get_by_text("No flagged post to review.")).to_be_visible()

    # Inès reads why, on her notification and under her post.
    ines = new_page()
    log_in(ines, live_server, "ines.moreau@example.org", "Inès Moreau")
    _open_notifications(ines)
    notice = ines.get_by_role(
        "link", name=f"Your post in “{TITLE}” was hidden by the facilitators: {HIDE_REASON}"
    )
    expect(notice).to_be_visible()
    notice.click()
    expect(ines.get_by_role("heading", name=TITLE)).to_be_visible()
    own = ines.locator("#post-3")
    expect(own.locator(".hidden-notice")).to_have_text(
        f"Hidden by Farid Facilitator: {HIDE_REASON}"
    )
    expect(own.locator(".post-body")).to_contain_text("help card")

    # Maya, like any other member, sees the placeholder, not the text.
    page.reload()
    hidden = page.locator("#post-3")
    expect(hidden.locator(".post-placeholder")).to_have_text(PLACEHOLDER)
    expect(hidden).not_to_contain_text("help card")
    expect(hidden).not_to_contain_text(HIDE_REASON)
    expect(hidden.get_by_role("link", name="Flag")).to_have_count(0)

    # Farid restores it from the thread page; it is back in place for Maya, word for word.
    _open_the_thread(farid)
    farid.locator("#post-3").get_by_role("button", name="Restore").click()
    expect_told(farid, "The post is visible again.")
    expect(farid.locator("#post-3 .hidden-notice")).to_have_count(0)

    page.reload()
    restored = page.locator("#post-3")
    expect(restored.locator(".post-placeholder")).to_have_count(0)
    expect(restored.locator(".post-body")).to_have_text(original)
    expect(restored).to_contain_text("Inès Moreau")

    post.refresh_from_db()
    assert post.hidden_at is None
    assert list(
        AuditEvent.objects.filter(action__startswith="post.")
        .order_by("id")
        .values_list("action", "actor__email")
    ) == [
        ("post.hide", "facilitator@example.com"),
        ("post.restore", "facilitator@example.com"),
    ]
    for tab in (page, farid, ines):
        assert tab.console_errors == [], tab.console_errors
