"""In Chromium: a member who leaves an assessment halfway finds the boxes they ticked and the
text they typed again, and the draft is forgotten once the answers are stored."""

import pytest
from playwright.sync_api import expect

from assessments.models import Question, Response
from tests.assessments.factories import make_cycle, make_survey
from tests.browser.people import log_in
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESTORED = "Your unsent text was put back: it was not sent."
QUESTIONS = [
    {"kind": Question.Kind.LIKERT, "text": "How useful is the community?",
     "low_label": "Not at all", "high_label": "Very"},
    {"kind": Question.Kind.MULTIPLE, "text": "Which tools do you use?",
     "options": ["Forums", "Documents"], "required": False},
    {"kind": Question.Kind.LONG_TEXT, "text": "What would you change?", "required": False},
]  # fmt: skip


def test_cycles_a_member_who_leaves_halfway_finds_their_answers(cast, page, live_server):
    cycle = make_cycle(make_survey(cast.public, questions=QUESTIONS), anonymous=True)
    log_in(page, live_server, cast.member.email, cast.member.name, TEST_PASSWORD)
    url = f"{live_server.url}{cycle.get_absolute_url()}"
    page.goto(url)
    likert = page.get_by_role("group", name="How useful is the community?")
    likert.get_by_label("4").check()
    page.get_by_label("Documents").check()
    page.get_by_label("What would you change?").fill("More case clinics")
    page.wait_for_timeout(400)  # the draft is saved a moment after the last change

    page.goto(live_server.url + "/")
    page.goto(url)

    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()
    expect(likert.get_by_label("4")).to_be_checked()
    expect(page.get_by_label("Documents")).to_be_checked()
    expect(page.get_by_label("Forums")).not_to_be_checked()
    expect(page.get_by_label("What would you change?")).to_have_value("More case clinics")

    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("your answers are saved").first).to_be_visible()
    assert Response.objects.filter(cycle=cycle).count() == 1
    page.reload()
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_have_count(0)
    expect(likert.get_by_label("4")).to_be_checked()
    assert page.console_errors == []
