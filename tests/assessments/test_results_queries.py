"""The results and trends pages cost the same queries at 1 response (or cycle) and at many."""

import pytest

from tests.assessments.factories import make_survey
from tests.assessments.results_helpers import (
    answer_in,
    closed_cycle,
    members,
    results_url,
    statements_of,
)
from tests.assessments.test_results_page import ANSWERS, QUESTIONS

pytestmark = pytest.mark.django_db


def _assert_flat(client, url: str, add, *, first: int, then: int) -> None:
    add(first)
    assert client.get(url).status_code == 200  # warm the per-process caches
    one = statements_of(lambda: client.get(url))
    add(then)
    many = statements_of(lambda: client.get(url))
    assert len(one) == len(many), "\n".join(many)


@pytest.mark.parametrize("anonymous", [False, True])
def test_results_queries_flat_with_the_number_of_responses(cast, facilitator_client, anonymous):
    survey = make_survey(cast.public, questions=QUESTIONS)
    before = closed_cycle(survey, days_ago=120, anonymous=anonymous)
    cycle = closed_cycle(survey, anonymous=anonymous)
    answered = []

    def add(count):
        people = members(cast.public, count, start=len(answered))
        for number, person in enumerate(people):
            values = ANSWERS[(len(answered) + number) % len(ANSWERS)]
            answer_in(cycle, person, values)
            answer_in(before, person, values)
        answered.extend(people)

    # In anonymous cycles, 4 rather than 1: with fewer answers to a question, nothing of it is
    # shown and its query is skipped; from then on the count must not move.
    first = 4 if anonymous else 1
    _assert_flat(facilitator_client, results_url(cycle), add, first=first, then=30 - first)
    for url in (results_url(cycle, "responses.csv"), results_url(cycle, "aggregates.csv")):
        one = statements_of(lambda url=url: facilitator_client.get(url))
        add(5)
        assert len(statements_of(lambda url=url: facilitator_client.get(url))) == len(one)


def test_results_queries_flat_with_the_number_of_cycles(cast, facilitator_client):
    survey = make_survey(cast.public)
    people = members(cast.public, 3)
    cycles = []

    def add(count):
        for _ in range(count):
            cycle = closed_cycle(
                survey, days_ago=400 - 20 * len(cycles), title=f"Cycle {len(cycles)}"
            )
            for number, person in enumerate(people):
                answer_in(cycle, person, {"Useful?": 1 + number, "Trust?": 5 - number})
            cycles.append(cycle)

    _assert_flat(
        facilitator_client,
        f"/c/open-practice/assessments/s/{survey.pk}/trends/",
        add,
        first=1,
        then=5,
    )
    latest = cycles[-1]
    one = statements_of(lambda: facilitator_client.get(results_url(latest)))
    add(3)
    assert len(statements_of(lambda: facilitator_client.get(results_url(cycles[-1])))) == len(one)
