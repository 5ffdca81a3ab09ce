"""Who sees a cycle's results, and sharing them with members (told once)."""

import pytest
from django.db import connection

from assessments.events import AssessmentEvent
from assessments.models import Cycle
from communities.models import AuditEvent, Notification
from tests.assessments.factories import make_cycle, make_survey
from tests.assessments.results_helpers import answer_in, closed_cycle, members, results_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(cast):
    return make_survey(cast.public)


def _share(client, cycle, shared: str = "1"):
    return client.post(results_url(cycle, "share/"), {"shared": shared})


def _told(cycle) -> list[int]:
    return sorted(
        Notification.objects.filter(verb=AssessmentEvent.CYCLE_SHARE).values_list(
            "recipient_id", flat=True
        )
    )


def test_results_sharing_members_see_closed_shared_cycles_only(
    cast, survey, facilitator_client, member_client
):
    cycle = make_cycle(survey, anonymous=True)  # open now
    url = results_url(cycle)

    assert facilitator_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 404  # open, not shared
    _share(facilitator_client, cycle)
    assert member_client.get(url).status_code == 404  # shared, still open
    Cycle.objects.filter(pk=cycle.pk).update(
        opens_at=cycle.opens_at.replace(year=cycle.opens_at.year - 1),
        closes_at=cycle.closes_at.replace(year=cycle.closes_at.year - 1),
    )
    assert member_client.get(url).status_code == 200  # shared and closed
    _share(facilitator_client, cycle, "0")
    assert member_client.get(url).status_code == 404  # closed, no longer shared


@pytest.mark.parametrize(
    ("principal", "status"),
    [
        ("outsider", 404),
        ("other_member", 404),
        ("staff", 404),
        ("organizer", 200),
        ("member", 200),
        ("anonymous", 302),
    ],
)
def test_results_sharing_page_of_a_shared_closed_cycle_by_principal(
    cast, survey, client_for, principal, status
):
    cycle = closed_cycle(survey, results_shared=True)

    assert client_for(principal).get(results_url(cycle)).status_code == status


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
def test_results_sharing_private_community_answers_404(cast, client_for, principal):
    cycle = closed_cycle(make_survey(cast.private), results_shared=True)

    for what in ("results/", "responses.csv", "aggregates.csv"):
        assert client_for(principal).get(results_url(cycle, what)).status_code == 404
    assert _share(client_for(principal), cycle).status_code == 404
    trends = f"/c/closed-circle/assessments/s/{cycle.survey_id}/trends/"
    assert client_for(principal).get(trends).status_code == 404


def test_results_sharing_a_closed_cycle_notifies_active_members_once(
    cast, survey, facilitator_client
):
    people = members(cast.public, 20)
    cycle = closed_cycle(survey, title="Spring pulse")
    answer_in(cycle, people[0], {"Useful?": 4})

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = _share(facilitator_client, cycle)
    _share(facilitator_client, cycle)  # a double submit changes nothing
    _share(facilitator_client, cycle, "0")
    _share(facilitator_client, cycle)  # shared again: nobody is told twice

    assert response.status_code == 302
    inserts = [sql for sql in statements if sql.startswith("INSERT") and "notification" in sql]
    assert len(inserts) == 1
    expected = sorted([cast.organizer.pk, cast.member.pk] + [p.pk for p in people])
    assert _told(cycle) == expected  # everyone active but the facilitator who shared
    notice = Notification.objects.filter(recipient=cast.member).get()
    assert notice.url == results_url(cycle)
    assert notice.params["cycle"] == "Spring pulse"
    actions = list(
        AuditEvent.objects.filter(target_id=str(cycle.pk), action__startswith="cycle.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["cycle.share", "cycle.unshare", "cycle.share"]
    assert Cycle.objects.get(pk=cycle.pk).results_shared is True


def test_results_sharing_an_open_cycle_tells_nobody_yet(cast, survey, facilitator_client):
    cycle = make_cycle(survey)

    _share(facilitator_client, cycle)

    assert Cycle.objects.get(pk=cycle.pk).results_shared is True
    assert _told(cycle) == []


def test_results_sharing_is_for_facilitators(cast, survey, member_client, facilitator_client):
    cycle = closed_cycle(survey, results_shared=True)

    assert _share(member_client, cycle, "0").status_code == 403
    assert Cycle.objects.get(pk=cycle.pk).results_shared is True
    assert facilitator_client.get(results_url(cycle, "share/")).status_code == 405


def test_results_sharing_wrong_ids_answer_404(cast, facilitator_client):
    for what in ("results/", "responses.csv", "aggregates.csv"):
        url = f"/c/open-practice/assessments/cycles/99999999999999999999/{what}"
        assert facilitator_client.get(url).status_code == 404
    other = closed_cycle(make_survey(cast.other))
    assert facilitator_client.get(f"/c/open-practice/assessments/cycles/{other.pk}/results/")
    assert (
        facilitator_client.get(
            f"/c/open-practice/assessments/cycles/{other.pk}/results/"
        ).status_code
        == 404
    )
    assert (
        facilitator_client.get("/c/open-practice/assessments/s/424242/trends/").status_code == 404
    )
