"""What a member types survives every failed submission, in Chromium on the demo data: the
session expires mid-reply, the server answers 500, the connection drops, a new thread is refused
for a rate limit. The text comes back in its form until the server has stored it, then it is
forgotten."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community
from forums.models import Post, Thread
from tests.browser.people import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESTORED = "Your unsent text was put back: it was not sent."


def _open_a_thread(page, live_server) -> Thread:
    thread = Thread.objects.filter(community__slug="math-teachers").order_by("id").first()
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Reply", exact=True)).to_be_visible()
    return thread


def _drafts(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('praxis:draft:')).map(k => [k, localStorage.getItem(k)]))"
    )


def test_journey_a_reply_survives_an_expired_session(demo, page, live_server):
    log_in(page, live_server, "member@example.com", "Maya Member")
    thread = _open_a_thread(page, live_server)
    text = "What worked for us: a one-minute silent start, then pairs compare."
    page.get_by_label("Message").fill(text)

    # The session ends while she types (it expired, or she logged out in another tab).
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Post reply").click()

    # The whole page goes to the login page (not the reply box), then back to the thread.
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill("member@example.com")
    page.get_by_label("Password").fill("praxis-demo")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value(text)
    assert not Post.objects.filter(body=text).exists()

    # Sent at last: stored once, and the draft is forgotten.
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".post").filter(has_text="one-minute silent start")).to_be_visible()
    assert Post.objects.filter(body=text).count() == 1
    assert _drafts(page) == {}
    page.reload()
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    assert page.console_errors == []


def test_journey_a_reply_survives_a_server_error_and_a_lost_connection(demo, page, live_server):
    log_in(page, live_server, "member@example.com", "Maya Member")
    thread = _open_a_thread(page, live_server)
    text = "Exit tickets: three questions, one of them about how it felt."
    page.get_by_label("Message").fill(text)

    # The server fails.
    page.route(re.compile(r".*/reply/$"), lambda route: route.fulfill(status=500, body="boom"))
    with page.expect_response(lambda response: response.status == 500):
        page.get_by_role("button", name="Post reply").click()
    page.unroute(re.compile(r".*/reply/$"))
    page.reload()
    expect(page.get_by_label("Message")).to_have_value(text)
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()

    # The connection drops while sending.
    page.context.set_offline(True)
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="Post reply").click()
    page.context.set_offline(False)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    expect(page.get_by_label("Message")).to_have_value(text)
    assert not Post.objects.filter(body=text).exists()

    # "Discard it" empties the form and forgets the draft.
    page.get_by_role("button", name="Discard it").click()
    expect(page.get_by_label("Message")).to_have_value("")
    assert _drafts(page) == {}


def test_journey_a_new_thread_refused_for_a_rate_limit_keeps_its_text(demo, page, live_server):
    Community.objects.filter(slug="math-teachers").update(post_rate_limit=1)
    log_in(page, live_server, "member@example.com", "Maya Member")
    thread = _open_a_thread(page, live_server)
    page.get_by_label("Message").fill("A first message uses the minute's allowance.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".post").filter(has_text="minute's allowance")).to_be_visible()

    forum = thread.forum
    page.goto(f"{live_server.url}/c/math-teachers/forums/{forum.slug}/new/")
    page.get_by_label("Title").fill("Seating plans that changed a class")
    body = "We moved the quiet pupils to the front and it changed everything."
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Start the thread").click()

    expect(page.get_by_text(re.compile("please wait a moment"))).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value(body)
    assert not Thread.objects.filter(title="Seating plans that changed a class").exists()
    # Coming back later to the same form (a new minute), the text is still there.
    Community.objects.filter(slug="math-teachers").update(post_rate_limit=10)
    page.goto(f"{live_server.url}/c/math-teachers/forums/{forum.slug}/new/")
    expect(page.get_by_label("Message")).to_have_value(body)
    expect(page.get_by_label("Title")).to_have_value("Seating plans that changed a class")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", name="Seating plans that changed a class")).to_be_visible()
    assert _drafts(page) == {}
