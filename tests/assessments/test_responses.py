"""One response per member per cycle; anonymous responses name nobody."""

import threading

import pytest
from django.db import connection

from assessments.models import Answer, Response
from assessments.services.errors import AssessmentError
from assessments.services.responses import response_of
from tests.assessments.factories import answer, make_cycle, make_survey
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(cast):
    return make_survey(cast.public)


def test_responses_a_second_submission_replaces_the_first(cast, survey):
    cycle = make_cycle(survey, anonymous=False)
    answer(cycle, cast.member, {"Useful?": 2, "Role?": "Teacher"})
    answer(cycle, cast.member, {"Useful?": 5, "Role?": "Head"})

    [response] = Response.objects.filter(cycle=cycle)
    assert response.respondent == cast.member
    values = {a.question.text: (a.number, a.choices) for a in response.answers.all()}
    assert values == {"Useful?": (5, []), "Role?": (None, ["Head"])}


def test_responses_anonymous_ones_store_no_link_to_the_person(cast, survey):
    cycle = make_cycle(survey, anonymous=True)
    answer(cycle, cast.member, {"Useful?": 4, "Anything else?": "More meetings"})
    answer(cycle, cast.facilitator, {"Useful?": 3})
    answer(cycle, cast.member, {"Useful?": 5})

    rows = list(Response.objects.filter(cycle=cycle).values())
    assert len(rows) == 2
    for row in rows:
        assert row["respondent_id"] is None
        # Nothing but days, and no sequential ids that would tell the order of answering.
        assert set(row) == {
            "id",
            "cycle_id",
            "respondent_id",
            "respondent_key",
            "submitted_on",
            "updated_on",
        }
        assert len(row["respondent_key"]) == 64
        assert cast.member.email not in str(row)
    answer_columns = {field.column for field in Answer._meta.concrete_fields}
    assert answer_columns == {"id", "response_id", "question_id", "number", "choices", "text"}
    # The member can still find (and change) their own response while the cycle is open.
    assert response_of(cycle, cast.member).answers.get().number == 5


def test_responses_once_an_anonymous_cycle_forgets_its_salt_nobody_can_link(cast, survey):
    cycle = make_cycle(survey, anonymous=True)
    answer(cycle, cast.member, {"Useful?": 4})
    cycle.salt = ""
    cycle.save(update_fields=["salt"])

    assert response_of(cycle, cast.member) is None


def test_responses_refused_outside_the_cycle(cast, survey):
    cycle = make_cycle(survey, started_days_ago=30, days_open=10)

    with pytest.raises(AssessmentError):
        answer(cycle, cast.member, {"Useful?": 4})
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_responses_two_submissions_at_once_make_one_response(cast, survey):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    cycle = make_cycle(survey, anonymous=True)
    barrier = threading.Barrier(2)
    errors = []

    def submit(value):
        try:
            barrier.wait()
            answer(cycle, cast.member, {"Useful?": value})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(value,)) for value in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Response.objects.filter(cycle=cycle).count() == 1


def test_revisions_a_scheduled_cycle_follows_the_new_revision_an_open_one_does_not(cast, survey):
    from assessments.services.revisions import editable_revision

    running = make_cycle(survey)
    answer(running, cast.member, {"Useful?": 4})
    scheduled = make_cycle(survey, started_days_ago=-10)

    editable = editable_revision(survey, actor=cast.facilitator)

    running.refresh_from_db()
    scheduled.refresh_from_db()
    assert editable.revision.number == 2
    assert running.revision.number == 1
    assert scheduled.revision == editable.revision
