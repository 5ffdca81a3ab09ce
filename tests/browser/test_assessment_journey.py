"""The assessments in Chromium, on the demo data (issue 13's acceptance journey): the facilitator
makes a survey from the value-creation template and schedules a quarterly anonymous cycle of it;
two members answer it, one of them leaving halfway and finding their answers kept; the
facilitator sees that two anonymous answers are hidden, then the demo's closed cycle with its
charts and its trend across the demo cycles, stops and starts sharing it and downloads its
responses as CSV; a member reads the shared results and is refused the builder; the organizer
opens the value report and downloads its PDF."""

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from assessments.models import Cycle, Question, Response, Survey
from assessments.report import last_complete_quarter, quarter_of
from tests.browser.people import expect_told, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMUNITY = "Mathematics Teachers Network"
SLUG = "math-teachers"
CYCLE_TITLE = "Value creation — quarterly check-in"
# A member of math-teachers in communities/demo.py (MATH_TEACHERS).
SECOND_MEMBER = ("ines.moreau@example.org", "Inès Moreau")
FEATURED_STORY = "Exit tickets changed my Monday planning"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What Chromium logs for a page answered with 403 (the builder refused to a member).
REFUSED_PAGE = "Failed to load resource: the server responded with a status of 403"


def _assessments_tab(page) -> None:
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Assessments"
    ).click()
    expect(page.get_by_role("heading", name="Assessments", exact=True)).to_be_visible()


def _questions(cycle: Cycle) -> list[Question]:
    return list(
        cycle.revision.questions.select_related("section").order_by(
            "section__position", "section__pk", "position", "pk"
        )
    )


def _likert_of(cycle: Cycle) -> list[Question]:
    return [question for question in _questions(cycle) if question.kind == Question.Kind.LIKERT]


def _answer(page, question: Question, number: int) -> None:
    """Answer one question like a person: a value on the scale, or a sentence."""
    if question.kind == Question.Kind.LIKERT:
        page.get_by_role("group", name=question.text).get_by_label(str(number), exact=True).check()
    else:
        assert question.is_text, question.kind
        page.get_by_label(question.text).fill(f"Answer {number}: the lesson study on ratios.")


def _expect_answered(page, question: Question, number: int) -> None:
    if question.kind == Question.Kind.LIKERT:
        expect(
            page.get_by_role("group", name=question.text).get_by_label(str(number), exact=True)
        ).to_be_checked()
    else:
        expect(page.get_by_label(question.text)).to_have_value(
            f"Answer {number}: the lesson study on ratios."
        )


def _expect_unanswered(page, question: Question) -> None:
    if question.kind == Question.Kind.LIKERT:
        scale = page.get_by_role("group", name=question.text)
        expect(scale.get_by_role("radio")).to_have_count(5)
        expect(scale.get_by_role("radio", checked=True)).to_have_count(0)
    else:
        expect(page.get_by_label(question.text)).to_have_value("")


def _open_cycle(page, title: str) -> None:
    _assessments_tab(page)
    page.get_by_role("region", name="Open now").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def _send(page) -> None:
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("status").filter(has_text="your answers are saved").first
    ).to_be_visible()


def test_journey_survey_cycle_answers_results_and_value_report(demo, page, new_page, live_server):
    # 1. The facilitator makes a survey from the value-creation template...
    log_in(page, live_server, "facilitator@example.com", "Farid Facilitator")
    # The facilitator's saved language is French: they switch to English.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="EN — English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("region", name="My communities").get_by_role("link", name=COMMUNITY).click()
    _assessments_tab(page)
    page.get_by_role("link", name="New survey").click()
    expect(page.get_by_role("heading", name="New survey")).to_be_visible()
    page.get_by_role("group", name="Start from a built-in template").get_by_label(
        "Value creation", exact=True
    ).check()
    page.get_by_role("button", name="Create the survey").click()
    expect_told(page, "The survey is ready: adapt it to your community.")
    surveys = Survey.objects.filter(community__slug=SLUG, template="value_creation")
    assert surveys.count() == 2, "the demo's survey and the new copy"
    survey = surveys.order_by("-pk").first()
    expect(page).to_have_url(f"{live_server.url}/c/{SLUG}/assessments/s/{survey.pk}/")
    expect(page.get_by_role("heading", name=survey.title, level=2)).to_be_visible()

    # ...and schedules a quarterly, anonymous cycle of it, open from now for 14 days.
    page.get_by_role("link", name="Run a cycle").click()
    expect(page.get_by_role("heading", name="Schedule an assessment")).to_be_visible()
    page.get_by_role("textbox", name="Title", exact=True).fill(CYCLE_TITLE)
    opens = page.get_by_role("textbox", name="Opens", exact=True)
    # The form starts at "now" in the person's time zone: it opens now, and closes 14 days on.
    opens_at = datetime.strptime(opens.input_value(), DATETIME_LOCAL)
    opens.fill(opens_at.strftime(DATETIME_LOCAL))
    page.get_by_role("textbox", name="Closes", exact=True).fill(
        (opens_at + timedelta(days=14)).strftime(DATETIME_LOCAL)
    )
    page.get_by_role("combobox", name="Repeat").select_option(label="Every quarter")
    page.get_by_role("checkbox", name="Anonymous answers").check()
    page.get_by_role("button", name="Schedule").click()
    expect_told(page, "The assessment is scheduled.")
    cycle = Cycle.objects.get(community__slug=SLUG, title=CYCLE_TITLE)
    assert cycle.survey == survey
    assert cycle.recurrence == Cycle.Recurrence.QUARTERLY
    assert cycle.anonymous
    assert cycle.is_open
    assert cycle.closes_at - cycle.opens_at == timedelta(days=14)
    questions = _questions(cycle)
    likert = [question for question in questions if question.kind == Question.Kind.LIKERT]
    assert likert and len(likert) < len(questions), "Likert items and open questions"
    _assessments_tab(page)
    expect(
        page.get_by_role("region", name="Open now").get_by_role("link", name=CYCLE_TITLE)
    ).to_be_visible()

    # 2. A member answers everything and sends it.
    member = new_page()
    log_in(member, live_server, "member@example.com", "Maya Member")
    member.get_by_role("region", name="My communities").get_by_role("link", name=COMMUNITY).click()
    _open_cycle(member, CYCLE_TITLE)
    for question in questions:
        _answer(member, question, 4)
    _send(member)
    assert Response.objects.filter(cycle=cycle).count() == 1

    # A second member answers half, goes to the forums, comes back: the answers were kept.
    second = new_page()
    log_in(second, live_server, *SECOND_MEMBER, password=DEMO_PASSWORD)
    second.get_by_role("region", name="My communities").get_by_role("link", name=COMMUNITY).click()
    _open_cycle(second, CYCLE_TITLE)
    half = len(questions) // 2
    for question in questions[:half]:
        _answer(second, question, 2)
    second.wait_for_timeout(600)  # the draft is saved a moment after the last change
    second.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Forums"
    ).click()
    expect(second).to_have_url(f"{live_server.url}/c/{SLUG}/forums/")
    _open_cycle(second, CYCLE_TITLE)
    expect(
        second.get_by_role("status").filter(
            has_text="Your unsent text was put back: it was not sent."
        )
    ).to_be_visible()
    for question in questions[:half]:
        _expect_answered(second, question, 2)
    for question in questions[half:]:
        _expect_unanswered(second, question)
    for question in questions[half:]:
        _answer(second, question, 3)
    _send(second)
    assert Response.objects.filter(cycle=cycle).count() == 2
    # Stored, the draft is forgotten: the page shows the saved answers, with no notice.
    second.reload()
    expect(second.get_by_role("button", name="Save my changes")).to_be_visible()
    expect(second.get_by_role("status").filter(has_text="Your unsent text")).to_have_count(0)
    _expect_answered(second, questions[0], 2)
    _expect_answered(second, questions[-1], 3)

    # 3. The facilitator opens the new cycle's results: two anonymous answers stay hidden.
    page.get_by_role("link", name=CYCLE_TITLE).click()
    expect(page.get_by_role("heading", name=CYCLE_TITLE)).to_be_visible()
    page.get_by_role("complementary").get_by_role("link", name="Results").click()
    expect(page.get_by_role("heading", name=f"Results of {CYCLE_TITLE}")).to_be_visible()
    expect(page.get_by_role("region", name="Response rate")).to_contain_text("2 responses out of")
    expect(
        page.get_by_text("Fewer than 3 responses: the answers are hidden to protect anonymity.")
    ).to_be_visible()
    expect(page.get_by_text("Fewer than 3 answers: hidden to protect anonymity")).to_have_count(
        len(questions)
    )
    expect(page.get_by_text("Answer 4: the lesson study on ratios.")).to_have_count(0)

    # The demo's latest closed cycle: charts, and the trend across the demo's cycles.
    demo_cycles = list(
        Cycle.objects.filter(
            community__slug=SLUG, survey__template="value_creation", state=Cycle.State.CLOSED
        ).order_by("opens_at")
    )
    assert len(demo_cycles) == 2
    earlier, closed = demo_cycles
    assert closed.results_shared
    _assessments_tab(page)
    page.get_by_role("region", name="Results").get_by_role("link", name=closed.title).click()
    expect(page.get_by_role("heading", name=f"Results of {closed.title}")).to_be_visible()
    charts = page.locator(".question-result").get_by_role("img")
    expect(charts).to_have_count(len(_likert_of(closed)))
    expect(charts.first).to_be_visible()
    assert charts.first.evaluate("chart => chart.tagName.toLowerCase()") == "svg"
    trend = page.get_by_role("region", name="Trend up to this cycle")
    expect(trend.get_by_role("img")).to_have_count(1)
    for title in (earlier.title, closed.title):
        expect(trend.get_by_role("columnheader", name=title).first).to_be_attached()
    page.get_by_role("link", name="Trends").click()
    expect(page.get_by_role("heading", name=f"Trends of {closed.survey.title}")).to_be_visible()
    for title in (earlier.title, closed.title):
        expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_role("img").first).to_be_visible()
    assert page.get_by_role("img").count() > len(_likert_of(closed))
    page.go_back()
    expect(page.get_by_role("heading", name=f"Results of {closed.title}")).to_be_visible()

    # The demo's results are shared: stop sharing them, and share them again.
    page.get_by_role("button", name="Stop sharing with members").click()
    expect_told(page, "The results are no longer shared with the members.")
    closed.refresh_from_db()
    assert not closed.results_shared
    page.get_by_role("button", name="Share with members").click()
    expect_told(page, "The results are shared with the members.")
    closed.refresh_from_db()
    assert closed.results_shared
    expect(page.get_by_role("button", name="Stop sharing with members")).to_be_visible()

    # The responses as CSV: one row per stored response, a column per question.
    with page.expect_download() as download:
        page.get_by_role("link", name="Responses (CSV)").click()
    assert download.value.suggested_filename.endswith("-responses.csv")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content)))
    assert _questions(closed)[0].text in header
    assert len(rows) == Response.objects.filter(cycle=closed).count()
    assert len(rows) >= 3
    assert all(len(row) == len(header) for row in rows)

    # 4. A member reads the shared results of the closed cycle...
    _assessments_tab(member)
    member.get_by_role("region", name="Results").get_by_role("link", name=closed.title).click()
    expect(member.get_by_role("heading", name=f"Results of {closed.title}")).to_be_visible()
    expect(member.locator(".question-result").get_by_role("img")).to_have_count(
        len(_likert_of(closed))
    )
    expect(member.get_by_role("link", name="Responses (CSV)")).to_have_count(0)
    expect(member.get_by_role("button", name="Stop sharing with members")).to_have_count(0)
    # ...and is refused the builder.
    answer = member.goto(f"{live_server.url}/c/{SLUG}/assessments/s/{survey.pk}/")
    assert answer.status == 403
    expect(member.get_by_role("heading", name="Not allowed")).to_be_visible()

    # 5. The organizer opens the value report and downloads its PDF.
    organizer = new_page()
    log_in(organizer, live_server, "organizer@example.com", "Olivia Organizer")
    organizer.get_by_role("region", name="My communities").get_by_role(
        "link", name=COMMUNITY
    ).click()
    _assessments_tab(organizer)
    organizer.get_by_role("link", name="Value report").click()
    report = organizer.get_by_role("article")
    expect(report.get_by_role("heading", name=COMMUNITY, level=2)).to_be_visible()
    # The report opens on the last complete quarter, when the demo's featured story happened.
    stories = organizer.get_by_role("region", name="Featured value stories")
    expect(stories.get_by_role("heading", name=FEATURED_STORY)).to_be_visible()
    # Another period is a choice away; the PDF is of the period chosen.
    quarter = quarter_of(timezone.localdate())
    organizer.get_by_label("Period").select_option(quarter.key)
    organizer.get_by_role("button", name="Show").click()
    expect(stories.get_by_role("heading", name=FEATURED_STORY)).to_have_count(0)
    quarter = last_complete_quarter(timezone.localdate())
    organizer.get_by_label("Period").select_option(quarter.key)
    organizer.get_by_role("button", name="Show").click()
    expect(organizer).to_have_url(
        f"{live_server.url}/c/{SLUG}/assessments/report/?period={quarter.key}"
    )
    expect(stories.get_by_role("heading", name=FEATURED_STORY)).to_be_visible()
    with organizer.expect_download() as download:
        organizer.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"{SLUG}-value-report-{quarter.key}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    for tab in (page, second, organizer):
        assert tab.console_errors == [], tab.console_errors
    assert [error for error in member.console_errors if REFUSED_PAGE not in error] == []
