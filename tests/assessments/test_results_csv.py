"""The CSV exports: the responses row for row, the totals, anonymity kept, formulas defused."""

import pytest

from assessments.models import Answer, Response
from tests.assessments.factories import make_survey
from tests.assessments.results_helpers import (
    answer_in,
    closed_cycle,
    members,
    read_csv,
    results_url,
)
from tests.assessments.test_results_page import ANSWERS, QUESTIONS

pytestmark = pytest.mark.django_db


def _cycle(cast, *, anonymous, answers=ANSWERS):
    survey = make_survey(cast.public, questions=QUESTIONS)
    cycle = closed_cycle(survey, anonymous=anonymous)
    people = members(cast.public, len(answers))
    for person, values in zip(people, answers, strict=True):
        answer_in(cycle, person, values)
    return cycle, people


def _cell(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.choices:
        return "; ".join(answer.choices)
    if answer.number is not None:
        return f"{answer.number.normalize():f}"
    return answer.text


def test_results_csv_matches_the_stored_answers_row_for_row(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=False)

    response = facilitator_client.get(results_url(cycle, "responses.csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    questions = list(cycle.revision.questions.order_by("position"))
    assert header == ["Response", "Submitted on", "Name", "Organization"] + [
        q.text for q in questions
    ]
    # Numbered in the order of the responses' random ids, never by time.
    stored = list(Response.objects.filter(cycle=cycle).order_by("id").select_related("respondent"))
    assert len(rows) == len(stored) == len(ANSWERS)
    for number, (row, response_row) in enumerate(zip(rows, stored, strict=True), start=1):
        answers = {a.question_id: a for a in response_row.answers.all()}
        assert row[:4] == [
            str(number),
            response_row.submitted_on.isoformat(),
            response_row.respondent.name,
            response_row.respondent.organization,
        ]
        assert row[4:] == [_cell(answers.get(q.pk)) for q in questions]
    # Spot-check the formats against what the test submitted.
    by_name = {row[2]: row for row in rows}
    first = by_name["Respondent 0"]
    assert first[4:] == ["4", "Teacher", "Maths; Art", "3", "Good start"]
    assert by_name["Respondent 1"][7] == "12.5"


def test_results_csv_of_anonymous_cycles_names_nobody(cast, facilitator_client):
    cycle, people = _cycle(cast, anonymous=True)

    response = facilitator_client.get(results_url(cycle, "responses.csv"))

    content = response.content.decode("utf-8-sig")
    header, *rows = read_csv(response)
    assert header[:2] == ["Response", "Submitted on"]
    assert "Name" not in header and "Organization" not in header
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    for person in people:
        assert person.name not in content
        assert person.email not in content
    for stored in Response.objects.filter(cycle=cycle):
        assert str(stored.pk) not in content
        assert stored.respondent_key not in content
    for answer in Answer.objects.filter(response__cycle=cycle):
        assert str(answer.pk) not in content


def test_results_csv_defuses_formulas(cast, facilitator_client):
    attack = [
        {"Useful?": 3, "Anything else?": '=HYPERLINK("http://evil.example","x")'},
        {"Useful?": 3, "Anything else?": "+1+1"},
        {"Useful?": 3, "Anything else?": "@SUM(A1)"},
        {"Useful?": 3, "Anything else?": "-2+3"},
    ]
    cycle, _people = _cycle(cast, anonymous=False, answers=attack)

    _header, *rows = read_csv(facilitator_client.get(results_url(cycle, "responses.csv")))

    texts = sorted(row[-1] for row in rows)
    assert texts == sorted(["'" + a["Anything else?"] for a in attack])
    for row in rows:
        assert row[4] == "3"  # plain numbers stay numbers


def test_results_csv_hides_anonymous_groups_of_two_and_shows_three(cast, facilitator_client):
    small, _people = _cycle(cast, anonymous=True, answers=ANSWERS[1:3])
    enough, _people = _cycle(cast, anonymous=True, answers=ANSWERS[:3])

    small_rows = read_csv(facilitator_client.get(results_url(small, "responses.csv")))
    enough_rows = read_csv(facilitator_client.get(results_url(enough, "responses.csv")))
    small_totals = read_csv(facilitator_client.get(results_url(small, "aggregates.csv")))
    enough_totals = read_csv(facilitator_client.get(results_url(enough, "aggregates.csv")))

    assert len(small_rows) == 1  # the header only
    assert len(enough_rows) == 4
    # The text question answered twice keeps an empty column.
    assert {row[-1] for row in enough_rows[1:]} == {""}
    hidden = "hidden: fewer than 3 answers"
    assert [row[2] for row in small_totals[1:]] == [hidden] * len(QUESTIONS)
    assert all(row[7] == "" for row in small_totals[1:])
    useful = [row for row in enough_totals[1:] if row[0] == "Useful?"]
    assert useful[0][2:4] == ["3", "3.67"]
    assert [row[2] for row in enough_totals[1:] if row[0] == "Anything else?"] == [hidden]


def test_results_csv_of_totals_matches_the_answers(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=True)

    header, *rows = read_csv(facilitator_client.get(results_url(cycle, "aggregates.csv")))

    assert header == [
        "Question",
        "Kind",
        "Answers",
        "Mean",
        "Smallest",
        "Largest",
        "Value or option",
        "Count",
    ]
    counts = {(row[0], row[6]): row[7] for row in rows if row[6]}
    assert counts[("Useful?", "4")] == "2"
    assert counts[("Useful?", "1 – Not at all")] == "0"
    assert counts[("Role?", "Teacher")] == "3"
    assert counts[("Topics?", "Art")] == "3"
    summary = {row[0]: row[1:6] for row in rows if not row[6]}
    assert summary["Useful?"] == ["Scale of 1 to 5", "4", "3.75", "", ""]
    assert summary["Hours?"] == ["Number", "3", "5.17", "0", "12.5"]
    assert summary["Anything else?"][:2] == ["Long text", "3"]


def test_results_csv_are_for_facilitators(cast, member_client, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=True)
    cycle.results_shared = True
    cycle.save(update_fields=["results_shared"])

    for what in ("responses.csv", "aggregates.csv"):
        assert member_client.get(results_url(cycle, what)).status_code == 403
        assert facilitator_client.get(results_url(cycle, what)).status_code == 200
