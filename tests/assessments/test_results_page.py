"""A cycle's results page: the numbers match the answers, small anonymous groups show nothing."""

from decimal import Decimal
from statistics import mean

import pytest

from assessments.models import Question
from tests.assessments.factories import LIKERT, make_survey
from tests.assessments.results_helpers import answer_in, closed_cycle, members, results_url, text

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": LIKERT, "text": "Useful?", "low_label": "Not at all", "high_label": "Very"},
    {"kind": Question.Kind.SINGLE, "text": "Role?", "options": ["Teacher", "Head", "Other"]},
    {"kind": Question.Kind.MULTIPLE, "text": "Topics?", "options": ["Maths", "Art", "Music"]},
    {"kind": Question.Kind.NUMBER, "text": "Hours?", "min_value": 0, "max_value": 100},
    {"kind": Question.Kind.LONG_TEXT, "text": "Anything else?", "required": False},
]
ANSWERS = [
    {
        "Useful?": 4,
        "Role?": "Teacher",
        "Topics?": ["Maths", "Art"],
        "Hours?": 3,
        "Anything else?": "Good start",
    },
    {"Useful?": 5, "Role?": "Head", "Topics?": ["Art"], "Hours?": 12.5, "Anything else?": "Tea"},
    {"Useful?": 2, "Role?": "Teacher", "Topics?": ["Art", "Music"], "Hours?": 0},
    {"Useful?": 4, "Role?": "Teacher", "Topics?": [], "Anything else?": "More meetings please"},
]


def _cycle(cast, *, anonymous, answers=ANSWERS, **fields):
    survey = make_survey(cast.public, questions=QUESTIONS)
    cycle = closed_cycle(survey, anonymous=anonymous, **fields)
    people = members(cast.public, len(answers))
    for person, values in zip(people, answers, strict=True):
        answer_in(cycle, person, values)
    return cycle, people


def _by_text(response) -> dict:
    return {result.question.text: result for result in response.context["results"].questions}


def test_results_page_aggregates_match_the_answers(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=False)

    response = facilitator_client.get(results_url(cycle))

    assert response.status_code == 200
    results = _by_text(response)
    useful = [values["Useful?"] for values in ANSWERS]
    assert results["Useful?"].answers == 4
    assert results["Useful?"].mean == pytest.approx(mean(useful))
    assert dict(results["Useful?"].distribution) == {
        "1 – Not at all": 0,
        "2": 1,
        "3": 0,
        "4": 2,
        "5 – Very": 1,
    }
    assert results["Role?"].distribution == [("Teacher", 3), ("Head", 1), ("Other", 0)]
    # The fourth member chose no topic: no answer row, so three answers.
    assert results["Topics?"].answers == 3
    assert results["Topics?"].distribution == [("Maths", 1), ("Art", 3), ("Music", 1)]
    hours = [Decimal(str(values["Hours?"])) for values in ANSWERS if "Hours?" in values]
    assert results["Hours?"].answers == 3
    assert results["Hours?"].mean == pytest.approx(float(sum(hours) / 3))
    assert (results["Hours?"].minimum, results["Hours?"].maximum) == (0, 12.5)
    assert sorted(t for t, _ in results["Anything else?"].texts) == [
        "Good start",
        "More meetings please",
        "Tea",
    ]
    page = text(response)
    assert "mean 3.75" in page
    assert "More meetings please" in page
    # Every chart is an image with a title, next to its data table.
    html = response.content.decode()
    assert html.count('role="img"') == 3
    assert html.count("<caption>") >= 3
    assert '<th scope="row">Teacher</th><td>3</td>' in html


def test_results_page_response_rate_states_its_denominator(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=True)

    page = text(facilitator_client.get(results_url(cycle)))

    # The organizer, the facilitator, the member and the four who answered.
    assert "57%" in page
    assert "4 responses out of 7 active members" in page


def test_results_page_names_text_answers_for_facilitators_of_named_cycles_only(
    cast, facilitator_client, member_client
):
    named, people = _cycle(cast, anonymous=False, results_shared=True)

    facilitator_page = text(facilitator_client.get(results_url(named)))
    member_page = text(member_client.get(results_url(named)))

    assert f"Tea — {people[1].name}" in facilitator_page
    assert "Tea" in member_page
    assert people[1].name not in member_page


def test_results_page_never_names_anyone_in_anonymous_cycles(cast, facilitator_client):
    cycle, people = _cycle(cast, anonymous=True)

    page = text(facilitator_client.get(results_url(cycle)))

    assert "More meetings please" in page
    for person in people:
        assert person.name not in page


def test_results_page_hides_anonymous_groups_of_two(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=True, answers=ANSWERS[1:3])

    response = facilitator_client.get(results_url(cycle))

    page = text(response)
    assert page.count("Fewer than 3 answers: hidden to protect anonymity") == len(QUESTIONS)
    assert "Tea" not in page
    assert "mean" not in page
    assert 'role="img"' not in response.content.decode()
    for result in _by_text(response).values():
        assert result.mean is None and result.distribution == [] and result.texts == []


def test_results_page_shows_anonymous_groups_of_three(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=True, answers=ANSWERS[:3])

    response = facilitator_client.get(results_url(cycle))

    page = text(response)
    # Only the text question, answered by two people, stays hidden.
    assert page.count("Fewer than 3 answers: hidden to protect anonymity") == 1
    assert "mean 3.67" in page
    assert _by_text(response)["Useful?"].distribution[1] == ("2", 1)


def test_results_page_named_small_groups_are_shown(cast, facilitator_client):
    cycle, _people = _cycle(cast, anonymous=False, answers=ANSWERS[1:3])

    page = text(facilitator_client.get(results_url(cycle)))

    assert "Fewer than 3 answers" not in page
    assert "Tea" in page


def test_results_page_tells_the_change_since_the_previous_cycle(cast, facilitator_client):
    survey = make_survey(cast.public, questions=QUESTIONS)
    before = closed_cycle(survey, days_ago=120, title="Q1", anonymous=False)
    after = closed_cycle(survey, days_ago=30, title="Q2", anonymous=False)
    people = members(cast.public, 3)
    for person, (old, new) in zip(people, [(2, 4), (3, 3), (4, 4)], strict=True):
        answer_in(before, person, {"Useful?": old})
        answer_in(after, person, {"Useful?": new})

    response = facilitator_client.get(results_url(after))

    assert _by_text(response)["Useful?"].change == pytest.approx(11 / 3 - 3, abs=0.01)
    assert "+0.7 since Q1" in text(response)


def test_results_page_shows_facilitators_the_share_button_and_csv_links(
    cast, facilitator_client, member_client
):
    cycle, _people = _cycle(cast, anonymous=True, results_shared=True)

    facilitator_html = facilitator_client.get(results_url(cycle)).content.decode()
    member_html = member_client.get(results_url(cycle)).content.decode()

    for link in ("responses.csv", "aggregates.csv", 'name="shared" value="0"'):
        assert link in facilitator_html
        assert link not in member_html
