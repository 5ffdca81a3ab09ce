"""Trends across a survey's cycles: means per Likert key and per value cycle, gaps for small
anonymous groups, and revised surveys compared like with like."""

from statistics import mean

import pytest

from assessments.models import Question
from assessments.services.revisions import editable_revision, new_question_key
from tests.assessments.factories import LIKERT, make_survey
from tests.assessments.results_helpers import (
    answer_in,
    closed_cycle,
    members,
    results_url,
    text,
)

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": LIKERT, "text": "Useful?", "value_cycle": "immediate"},
    {"kind": LIKERT, "text": "Trust?", "value_cycle": "immediate"},
    {"kind": LIKERT, "text": "Applied?", "value_cycle": "applied"},
    {"kind": Question.Kind.SHORT_TEXT, "text": "Why?", "required": False},
]


def _trends_url(survey) -> str:
    return f"/c/{survey.community.slug}/assessments/s/{survey.pk}/trends/"


def _lines(trend) -> dict:
    return {line.name: line for line in trend.questions + trend.values}


def test_results_trends_mean_per_question_and_value_cycle(cast, facilitator_client):
    survey = make_survey(cast.public, questions=QUESTIONS)
    people = members(cast.public, 4)
    plan = {
        "Q1": [(2, 3, 1), (3, 3, 2), (4, 5, 2), (1, 2, 1)],
        "Q2": [(3, 4, 3), (4, 4, 3), (5, 5, 4)],
        "Q3": [(5, 4, 4), (4, 5, 5), (5, 5, 5), (3, 4, 4)],
    }
    for number, (title, rows) in enumerate(plan.items()):
        cycle = closed_cycle(survey, days_ago=300 - 100 * number, title=title, anonymous=False)
        for person, (useful, trust, applied) in zip(people, rows, strict=False):
            answer_in(cycle, person, {"Useful?": useful, "Trust?": trust, "Applied?": applied})

    response = facilitator_client.get(_trends_url(survey))

    assert response.status_code == 200
    trend = response.context["trend"]
    assert trend.titles == ["Q1", "Q2", "Q3"]
    lines = _lines(trend)
    for position, name in enumerate(["Useful?", "Trust?", "Applied?"]):
        expected = [round(mean(row[position] for row in rows), 2) for rows in plan.values()]
        assert lines[name].values == pytest.approx(expected)
    immediate = [
        round(mean([r[0] for r in rows] + [r[1] for r in rows]), 2) for rows in plan.values()
    ]
    assert lines["Immediate value"].values == pytest.approx(immediate)
    assert [line.name for line in trend.values] == ["Immediate value", "Applied value"]
    html = response.content.decode()
    # One chart per question and one for the value cycles, each with its table.
    assert html.count('role="img"') == 4
    assert html.count("<caption>") == 4
    assert "Value creation across cycles" in html


def test_results_trends_leave_small_anonymous_groups_out(cast, facilitator_client):
    survey = make_survey(cast.public, questions=QUESTIONS)
    people = members(cast.public, 3)
    sizes = {"Q1": 3, "Q2": 2, "Q3": 3}
    for number, (title, size) in enumerate(sizes.items()):
        cycle = closed_cycle(survey, days_ago=300 - 100 * number, title=title, anonymous=True)
        for person in people[:size]:
            answer_in(cycle, person, {"Useful?": 4, "Applied?": 2})

    response = facilitator_client.get(_trends_url(survey))

    lines = _lines(response.context["trend"])
    assert lines["Useful?"].values == [4, None, 4]
    assert lines["Useful?"].notes[1] == "hidden: fewer than 3 answers"
    assert lines["Applied value"].values == [2, None, 2]
    assert lines["Trust?"].notes == ["no answers"] * 3
    assert "hidden: fewer than 3 answers" in text(response)


def test_results_trends_a_revised_survey_joins_only_same_key_questions(cast, facilitator_client):
    survey = make_survey(cast.public, questions=QUESTIONS)
    people = members(cast.public, 3)
    first = closed_cycle(survey, days_ago=200, title="Q1", anonymous=False)
    for number, person in enumerate(people):
        answer_in(first, person, {"Useful?": 2 + number, "Trust?": 1 + number})
    # The first revision has answers: the change lands in a copy, with a new key for the
    # question whose meaning changed.
    editable = editable_revision(survey, actor=cast.facilitator)
    assert editable.revision.number == 2
    changed = editable.revision.questions.get(text="Useful?")
    changed.text, changed.key = "Useful to your work?", new_question_key()
    changed.save(update_fields=["text", "key"])
    second = closed_cycle(survey, days_ago=100, title="Q2", anonymous=False)
    assert second.revision_id == editable.revision.pk
    for person in people:
        answer_in(second, person, {"Useful to your work?": 5, "Trust?": 4})

    old = facilitator_client.get(results_url(first))
    new = facilitator_client.get(results_url(second))
    trend = facilitator_client.get(_trends_url(survey)).context["trend"]

    old_results = {r.question.text: r for r in old.context["results"].questions}
    assert "Useful to your work?" not in old_results
    assert old_results["Useful?"].mean == pytest.approx(3)
    assert old_results["Trust?"].distribution[:3] == [("1", 1), ("2", 1), ("3", 1)]
    new_results = {r.question.text: r for r in new.context["results"].questions}
    assert new_results["Trust?"].change == pytest.approx(2)
    assert new_results["Useful to your work?"].change is None
    assert "+2.0 since Q1" in text(new)
    lines = _lines(trend)
    assert lines["Trust?"].values == [2, 4]
    assert lines["Useful?"].values == [3, None]
    assert lines["Useful?"].notes == ["", "not asked"]
    assert lines["Useful to your work?"].values == [None, 5]


def test_results_trends_compact_on_the_results_page_up_to_this_cycle(
    cast, facilitator_client, member_client
):
    survey = make_survey(cast.public, questions=QUESTIONS)
    people = members(cast.public, 3)
    cycles = []
    for number in range(3):
        cycle = closed_cycle(
            survey,
            days_ago=300 - 100 * number,
            title=f"Q{number + 1}",
            anonymous=False,
            results_shared=number > 0,
        )
        for person in people:
            answer_in(cycle, person, {"Useful?": 2 + number})
        cycles.append(cycle)

    facilitator_view = facilitator_client.get(results_url(cycles[1])).context["trend"]
    member_view = member_client.get(results_url(cycles[2])).context["trend"]

    assert facilitator_view.titles == ["Q1", "Q2"]  # up to this cycle, not after
    # Members see only the cycles whose results are shared with them.
    assert member_view.titles == ["Q2", "Q3"]
    assert _lines(member_view)["Useful?"].values == [3, 4]
    assert "Trend up to this cycle" in text(member_client.get(results_url(cycles[2])))


def test_results_trends_page_is_for_facilitators(cast, member_client, client_for):
    survey = make_survey(cast.public, questions=QUESTIONS)
    closed_cycle(survey, results_shared=True)

    assert member_client.get(_trends_url(survey)).status_code == 403
    assert client_for("outsider").get(_trends_url(survey)).status_code == 403
    assert client_for("organizer").get(_trends_url(survey)).status_code == 200
    other = make_survey(cast.other)
    assert (
        client_for("organizer")
        .get(_trends_url(other).replace("elsewhere", "open-practice"))
        .status_code
        == 404
    )
