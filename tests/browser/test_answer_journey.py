"""A question answered, in Chromium on the demo data: a member asks in a questions forum,
another member answers, the asker marks the answer and sees it under the question; the forum
lists the question as answered."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from forums.models import Forum, Thread
from tests.browser.people import expect_told, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "How long should a first lesson study take?"
ANSWER = "Plan **three weeks**: one to choose the problem, one to teach, one to discuss."


def test_journey_question_answer_marked(demo, page, new_page, live_server):
    math = Community.objects.get(slug="math-teachers")
    Forum.objects.create(
        community=math, name="Ask the network", slug="ask", kind=Forum.Kind.QUESTIONS, position=99
    )
    community_services.add_member(math, User.objects.get(email="outsider@example.com"))

    # Maya asks her question in the questions forum.
    log_in(page, live_server, "member@example.com", "Maya Member")
    page.goto(f"{live_server.url}/c/math-teachers/forums/")
    page.get_by_role("link", name="Ask the network", exact=True).click()
    page.get_by_role("link", name="New thread").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Message").fill("We want to start one next term. How long did yours take?")
    page.get_by_role("button", name="Start the thread").click()
    thread = Thread.objects.get(title=TITLE)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # Oscar, a member too, answers.
    oscar = new_page()
    log_in(oscar, live_server, "outsider@example.com", "Oscar Outsider")
    oscar.goto(f"{live_server.url}{thread.get_absolute_url()}")
    oscar.locator("#reply").get_by_label("Message").fill(ANSWER)
    oscar.get_by_role("button", name="Post reply").click()
    expect(oscar.locator("#post-2")).to_contain_text("one to choose the problem")
    # Oscar did not ask: he cannot choose the answer.
    oscar.reload()
    expect(oscar.get_by_role("button", name="Mark as the answer")).to_have_count(0)

    # Maya marks Oscar's reply as the answer and sees it under her question.
    page.reload()
    page.locator("#post-2").get_by_role("button", name="Mark as the answer").click()
    expect_told(page, "The post is marked as the answer.")
    answer = page.get_by_role("region", name="Accepted answer")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("Oscar Outsider")
    expect(answer.locator("strong")).to_have_text("three weeks")
    expect(page.locator("#post-2 .answer-badge")).to_contain_text("Answer")
    # The answer's link leads to it in place.
    answer.get_by_role("link", name="Read the answer in the thread").click()
    expect(page).to_have_url(f"{live_server.url}{thread.get_absolute_url()}?page=1#post-2")

    # The forum lists the question as answered; the unanswered filter leaves it out.
    page.goto(f"{live_server.url}/c/math-teachers/forums/ask/")
    expect(page.locator(".thread-row").filter(has_text=TITLE)).to_contain_text("Answered")
    page.get_by_role("link", name="Unanswered").click()
    expect(page.get_by_text("Every question here has an answer.")).to_be_visible()
    assert page.console_errors == []
