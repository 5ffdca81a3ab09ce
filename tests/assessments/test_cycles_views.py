"""Cycle pages: facilitators schedule and change cycles; members answer, named or anonymous,
and change their answers until the cycle closes; the community home lists open cycles."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.events import AssessmentEvent
from assessments.home import register_home_panels
from assessments.models import Cycle, Question, Response
from assessments.services.responses import response_of
from communities.home import PANELS
from communities.models import AuditEvent
from tests.assessments.factories import answer, make_cycle, make_survey
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

FORMAT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def survey(cast):
    return make_survey(cast.public, questions=QUESTIONS)


QUESTIONS = [
    {"kind": Question.Kind.LIKERT, "text": "Useful?", "low_label": "Not at all",
     "high_label": "Very"},
    {"kind": Question.Kind.SINGLE, "text": "Role?", "options": ["Teacher", "Head"]},
    {"kind": Question.Kind.MULTIPLE, "text": "Tools?", "options": ["Forums", "Documents"],
     "required": False},
    {"kind": Question.Kind.NUMBER, "text": "Hours?", "min_value": 0, "max_value": 40,
     "required": False},
    {"kind": Question.Kind.SHORT_TEXT, "text": "One word?", "required": False},
    {"kind": Question.Kind.LONG_TEXT, "text": "Anything else?", "required": False},
]  # fmt: skip


def _ids(cycle) -> dict[str, str]:
    return {q.text: f"q{q.pk}" for q in cycle.revision.questions.all()}


def _answers(cycle, **by_text) -> dict:
    names = _ids(cycle)
    return {names[text]: value for text, value in by_text.items()}


def _url(cycle, name="cycle") -> str:
    return reverse(name, args=[cycle.community.slug, cycle.pk])


def _new_url(survey) -> str:
    return reverse("cycle_new", args=[survey.community.slug, survey.pk])


def _cycle_data(**overrides) -> dict:
    opens = timezone.localtime() + timedelta(days=1)
    data = {
        "title": "Pulse — spring",
        "opens_at": opens.strftime(FORMAT),
        "closes_at": (opens + timedelta(days=14)).strftime(FORMAT),
        "recurrence": "quarterly",
        "anonymous": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Scheduling ---------------------------------------------------------------------------


def test_cycles_new_form_offers_defaults(survey, facilitator_client):
    response = facilitator_client.get(_new_url(survey))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"].startswith("Pulse — Q")
    assert form.initial["closes_at"] - form.initial["opens_at"] == timedelta(days=14)
    assert form.initial["anonymous"] is True
    assert form.initial["results_shared"] is False


def test_cycles_facilitator_schedules_a_cycle(cast, survey, facilitator_client):
    response = facilitator_client.post(_new_url(survey), _cycle_data())

    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(cycle)
    assert cycle.title == "Pulse — spring"
    assert cycle.recurrence == "quarterly"
    assert cycle.anonymous and not cycle.results_shared
    assert cycle.state == Cycle.State.SCHEDULED
    assert cycle.revision == survey.revisions.get()
    assert cycle.created_by == cast.facilitator
    audit = AuditEvent.objects.get(action=AssessmentEvent.CYCLE_CREATE)
    assert audit.actor == cast.facilitator and audit.target_id == str(cycle.pk)


def test_cycles_a_double_submit_schedules_one_cycle(survey, facilitator_client):
    from communities.submissions import new_key

    data = _cycle_data(submission=new_key())
    first = facilitator_client.post(_new_url(survey), data)
    second = facilitator_client.post(_new_url(survey), data)

    assert Cycle.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize("principal", ["member", "outsider"])
def test_cycles_only_facilitators_schedule(survey, client_for, principal):
    response = client_for(principal).post(_new_url(survey), _cycle_data())

    assert response.status_code in (403, 404)
    assert not Cycle.objects.exists()


def test_cycles_another_communitys_survey_is_not_found(cast, facilitator_client):
    survey = make_survey(cast.other)

    response = facilitator_client.get(reverse("cycle_new", args=[cast.public.slug, survey.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_at": "2026-01-01T00:00", "opens_at": "2026-01-02T00:00"}, "closes_at"),
        ({"closes_at": "2026-01-01T00:00", "opens_at": "2026-01-01T00:00"}, "closes_at"),
        ({"opens_at": "not a date"}, "opens_at"),
        ({"opens_at": "99999-01-01T00:00"}, "opens_at"),
        ({"opens_at": "1200-01-01T00:00"}, "opens_at"),
        ({"closes_at": "2999-01-01T00:00"}, "closes_at"),
        ({"opens_at": "2026-01-01T00:00", "closes_at": "2028-01-01T00:00"}, "closes_at"),
        ({"opens_at": None}, "opens_at"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"recurrence": "hourly"}, "recurrence"),
    ],
)
def test_cycles_bad_dates_and_values_are_form_errors(survey, facilitator_client, overrides, field):
    response = facilitator_client.post(_new_url(survey), _cycle_data(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Cycle.objects.exists()


def test_cycles_facilitator_changes_a_cycle(cast, survey, facilitator_client):
    cycle = make_cycle(survey, anonymous=True)
    data = _cycle_data(title="Renamed", anonymous=None, results_shared="on", recurrence="yearly")
    data["opens_at"] = timezone.localtime(cycle.opens_at).strftime(FORMAT)

    response = facilitator_client.post(_url(cycle, "cycle_edit"), data)

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.title, cycle.recurrence, cycle.results_shared) == ("Renamed", "yearly", True)
    assert cycle.anonymous is False  # nobody answered yet: it may change
    audit = AuditEvent.objects.get(action=AssessmentEvent.CYCLE_UPDATE)
    assert "title" in audit.details["changed"]


def test_cycles_anonymity_is_fixed_once_someone_answered(cast, survey, facilitator_client):
    cycle = make_cycle(survey, anonymous=True)
    answer(cycle, cast.member, {"Useful?": 4, "Role?": "Head"})
    data = _cycle_data(title="Renamed", anonymous=None)
    data["opens_at"] = timezone.localtime(cycle.opens_at).strftime(FORMAT)

    response = facilitator_client.post(_url(cycle, "cycle_edit"), data)

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.title == "Renamed"
    assert cycle.anonymous is True


def test_cycles_edit_refuses_closing_before_opening(survey, facilitator_client):
    cycle = make_cycle(survey)
    data = _cycle_data(closes_at=timezone.localtime(cycle.opens_at).strftime(FORMAT))
    data["opens_at"] = timezone.localtime(cycle.opens_at).strftime(FORMAT)

    response = facilitator_client.post(_url(cycle, "cycle_edit"), data)

    assert response.status_code == 400
    assert "closes_at" in response.context["form"].errors


@pytest.mark.parametrize("principal", ["member", "outsider", "anonymous"])
def test_cycles_only_facilitators_change_cycles(survey, client_for, principal):
    cycle = make_cycle(survey)

    response = client_for(principal).post(_url(cycle, "cycle_edit"), _cycle_data(title="X"))

    assert response.status_code in (302, 403, 404)
    cycle.refresh_from_db()
    assert cycle.title != "X"


def test_cycles_unknown_and_huge_ids_are_not_found(cast, facilitator_client):
    for cycle_id in (999999, 2**70):
        url = f"/c/open-practice/assessments/cycles/{cycle_id}/"
        assert facilitator_client.get(url).status_code == 404
        assert facilitator_client.get(url + "edit/").status_code == 404


# --- Answering ----------------------------------------------------------------------------


@pytest.mark.parametrize("anonymous", [False, True])
def test_cycles_member_answers_and_sees_a_confirmation(cast, survey, member_client, anonymous):
    cycle = make_cycle(survey, anonymous=anonymous)
    data = _answers(
        cycle, **{"Useful?": "4", "Role?": "Head", "Tools?": ["Forums", "Documents"]},
        **{"Hours?": "3.5", "One word?": "Trust", "Anything else?": "More meetups"},
    )  # fmt: skip

    response = member_client.post(_url(cycle), {**data, "draft": f"u{cast.member.pk}-cycle-1"})

    assert response.status_code == 302
    assert response.cookies["praxis_draft_sent"].value  # the browser forgets the draft
    [stored] = Response.objects.filter(cycle=cycle)
    assert stored.respondent == (None if anonymous else cast.member)
    values = {a.question.text: (a.number, a.choices, a.text) for a in stored.answers.all()}
    assert values["Useful?"][0] == 4
    assert values["Role?"][1] == ["Head"]
    assert values["Tools?"][1] == ["Forums", "Documents"]
    assert values["Hours?"][0] == pytest.approx(3.5)
    assert values["Anything else?"][2] == "More meetups"
    page = member_client.get(_url(cycle))
    text = page.content.decode()
    assert "your answers are saved; you can change them until" in text
    # The form comes back with the answers given, to change them.
    assert re.search(r'value="Head"[^>]*checked', text)
    assert not re.search(r'value="Teacher"[^>]*checked', text)
    assert page.context["form"].initial[_ids(cycle)["Role?"]] == "Head"
    assert page.context["form"].initial[_ids(cycle)["Tools?"]] == ["Forums", "Documents"]


def test_cycles_answers_in_anonymous_cycles_leave_no_log(cast, survey, member_client):
    from communities.models import Activity

    cycle = make_cycle(survey, anonymous=True)
    before = (Activity.objects.count(), AuditEvent.objects.count())

    member_client.post(_url(cycle), _answers(cycle, **{"Useful?": "4", "Role?": "Head"}))

    assert Response.objects.count() == 1
    assert (Activity.objects.count(), AuditEvent.objects.count()) == before


def test_cycles_required_errors_keep_the_typed_answers(cast, survey, member_client):
    cycle = make_cycle(survey)
    data = _answers(cycle, **{"Anything else?": "Half-written thought", "Hours?": "12"})

    response = member_client.post(_url(cycle), data)

    assert response.status_code == 400
    text = response.content.decode()
    assert "Half-written thought" in text
    assert 'value="12"' in text
    assert "error-summary" in text
    ids = _ids(cycle)
    assert f'href="#id_{ids["Useful?"]}_0"' in text  # the summary links to the first radio
    assert f'id="id_{ids["Useful?"]}_error"' in text
    assert 'aria-invalid="true"' in text
    assert "— Please choose an answer.</li>" in text
    assert "Between 0 and 40." in text
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Hours?", "41"),
        ("Hours?", "-1"),
        ("Hours?", "9" * 40),
        ("Hours?", "NaN"),
        ("Useful?", "6"),
        ("Role?", "Janitor"),
        ("Tools?", "Email"),
        ("One word?", "x" * 301),
        ("Anything else?", "x" * 5001),
    ],
)
def test_cycles_bad_answers_are_form_errors(survey, member_client, question, value):
    cycle = make_cycle(survey)
    data = _answers(cycle, **{"Useful?": "4", "Role?": "Head"})
    data[_ids(cycle)[question]] = value

    response = member_client.post(_url(cycle), data)

    assert response.status_code == 400
    assert _ids(cycle)[question] in response.context["form"].errors
    assert not Response.objects.exists()


@pytest.mark.parametrize("anonymous", [False, True])
def test_cycles_member_changes_answers_until_close(cast, survey, member_client, anonymous):
    cycle = make_cycle(survey, anonymous=anonymous)
    member_client.post(_url(cycle), _answers(cycle, **{"Useful?": "2", "Role?": "Head"}))
    member_client.post(_url(cycle), _answers(cycle, **{"Useful?": "5", "Role?": "Teacher"}))

    [stored] = Response.objects.filter(cycle=cycle)  # one response per member, anonymous too
    assert {a.question.text: a.number or a.choices[0] for a in stored.answers.all()} == {
        "Useful?": 5,
        "Role?": "Teacher",
    }


def test_cycles_answers_are_refused_after_close(cast, survey, member_client):
    cycle = make_cycle(survey, started_days_ago=20, days_open=14)

    page = member_client.get(_url(cycle))
    response = member_client.post(_url(cycle), _answers(cycle, **{"Useful?": "4", "Role?": "Head"}))

    assert page.status_code == 200
    assert page.context["form"] is None
    assert "This assessment closed on" in page.content.decode()
    assert response.status_code == 302
    assert not Response.objects.exists()


def test_cycles_members_do_not_see_scheduled_cycles(survey, member_client, facilitator_client):
    cycle = make_cycle(survey, started_days_ago=-3)

    assert member_client.get(_url(cycle)).status_code == 404
    page = facilitator_client.get(_url(cycle))
    assert page.status_code == 200
    assert "This assessment opens on" in page.content.decode()
    assert page.context["form"] is None


@pytest.mark.parametrize("principal", ["outsider", "other_member", "staff"])
def test_cycles_non_members_do_not_see_cycles(survey, client_for, principal):
    cycle = make_cycle(survey)

    response = client_for(principal).post(_url(cycle), _answers(cycle, **{"Useful?": "4"}))

    assert response.status_code == 404
    assert not Response.objects.exists()


def test_cycles_anonymous_visitors_are_asked_to_log_in(survey, anon_client):
    cycle = make_cycle(survey)

    response = anon_client.get(_url(cycle))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_cycles_facilitators_see_status_and_response_rate(cast, survey, facilitator_client):
    cycle = make_cycle(survey, anonymous=True)
    answer(cycle, cast.member, {"Useful?": 4, "Role?": "Head"})

    page = facilitator_client.get(_url(cycle))

    facts = page.context["facilitation"]
    assert (facts["status"], facts["responses"], facts["members"]) == ("open", 1, 3)
    assert facts["rate"] == 33
    assert reverse("cycle_edit", args=[cast.public.slug, cycle.pk]) in page.content.decode()


def test_cycles_members_see_no_facilitator_panel(survey, member_client):
    cycle = make_cycle(survey)

    page = member_client.get(_url(cycle))

    assert page.context["facilitation"] is None
    assert "cycle-facilitation" not in page.content.decode()


def test_cycles_page_includes_the_draft_marker(cast, survey, member_client):
    cycle = make_cycle(survey)

    text = member_client.get(_url(cycle)).content.decode()

    assert f'data-draft="u{cast.member.pk}-cycle-{cycle.pk}"' in text


def _measure(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("principal", ["member", "facilitator"])
def test_cycles_page_query_count_is_flat(cast, client_for, principal):
    from tests.factories import UserFactory

    client = client_for(principal)
    small = make_survey(cast.public, questions=QUESTIONS[:2])
    large = make_survey(cast.public, title="Big", questions=QUESTIONS * 5)
    cycles = []
    for survey, people in ((small, 1), (large, 30)):
        cycle = make_cycle(survey, anonymous=False)
        for _ in range(people):
            person = UserFactory()
            MembershipFactory(community=cast.public, user=person)
            answer(cycle, person, {"Useful?": 3, "Role?": "Head"})
        answer(cycle, cast.person(principal), {"Useful?": 3, "Role?": "Head"})
        cycles.append(cycle)
    client.get(_url(cycles[0]))  # warm the per-process caches

    assert _measure(client, _url(cycles[0])) == _measure(client, _url(cycles[1]))


# --- Home panel ---------------------------------------------------------------------------


@pytest.fixture
def home_panel():
    before = dict(PANELS)
    register_home_panels()
    yield
    PANELS.clear()
    PANELS.update(before)


def test_cycles_home_lists_open_cycles_to_members(cast, survey, member_client, home_panel):
    open_cycle = make_cycle(survey, title="Spring pulse")
    answered = make_cycle(survey, title="Winter pulse")
    make_cycle(survey, title="Old pulse", started_days_ago=40)
    make_cycle(survey, title="Future pulse", started_days_ago=-5)
    answer(answered, cast.member, {"Useful?": 4, "Role?": "Head"})

    text = member_client.get("/c/open-practice/").content.decode()

    assert "Open assessments" in text
    assert text.count('class="d-flex flex-wrap align-items-center gap-2 py-1 open-assessment"') == 2
    assert "Spring pulse" in text and "Winter pulse" in text
    assert "Old pulse" not in text and "Future pulse" not in text
    assert "Change your answers" in text
    assert open_cycle.get_absolute_url() in text


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "staff"])
def test_cycles_home_shows_no_panel_to_non_members(survey, client_for, principal, home_panel):
    make_cycle(survey, title="Spring pulse")

    response = client_for(principal).get("/c/open-practice/")

    assert response.status_code == 200
    assert "Open assessments" not in response.content.decode()


def test_cycles_home_shows_no_panel_when_nothing_is_open(survey, member_client, home_panel):
    make_cycle(survey, title="Old pulse", started_days_ago=40)

    assert "Open assessments" not in member_client.get("/c/open-practice/").content.decode()


def test_cycles_home_panel_queries_do_not_grow(cast, member_client, home_panel):
    survey = make_survey(cast.public)
    make_cycle(survey)
    member_client.get("/c/open-practice/")
    one = _measure(member_client, "/c/open-practice/")
    for _ in range(5):
        cycle = make_cycle(survey)
        answer(cycle, cast.member, {"Useful?": 4})

    assert _measure(member_client, "/c/open-practice/") == one


def test_cycles_response_of_finds_the_member_again(cast, survey, member_client):
    cycle = make_cycle(survey, anonymous=True)
    member_client.post(_url(cycle), _answers(cycle, **{"Useful?": "4", "Role?": "Head"}))

    assert response_of(cycle, cast.member) is not None
    assert response_of(cycle, cast.facilitator) is None
