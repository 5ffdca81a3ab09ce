"""The periodic pass over cycles: opening tells every active member once, closing forgets the
salt of anonymous cycles, a recurring cycle gets exactly one next cycle, reminders go once to
those who have not answered."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from assessments import tasks
from assessments.events import AssessmentEvent
from assessments.models import Cycle
from assessments.services import cycles as services
from assessments.services.errors import AssessmentError
from assessments.services.responses import response_of
from communities.models import Activity, Membership, Notification
from tests.assessments.factories import answer, make_cycle, make_survey
from tests.conftest import require
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

OPEN, CLOSED, SCHEDULED = Cycle.State.OPEN, Cycle.State.CLOSED, Cycle.State.SCHEDULED


@pytest.fixture
def survey(cast):
    return make_survey(cast.public)


def _notified(verb) -> list:
    return sorted(Notification.objects.filter(verb=verb).values_list("recipient_id", flat=True))


def test_cycles_opening_tells_every_active_member_once(cast, survey):
    suspended = UserFactory()
    MembershipFactory(community=cast.public, user=suspended, state=Membership.State.SUSPENDED)
    cycle = make_cycle(survey, title="Spring pulse")

    first = services.advance_cycles()
    second = services.advance_cycles()

    cycle.refresh_from_db()
    assert cycle.state == OPEN
    assert (first["opened"], second["opened"]) == (1, 0)
    people = sorted([cast.organizer.pk, cast.facilitator.pk, cast.member.pk])
    assert _notified(AssessmentEvent.CYCLE_OPEN) == people
    notice = Notification.objects.filter(verb=AssessmentEvent.CYCLE_OPEN).first()
    assert notice.url == cycle.get_absolute_url()
    assert notice.community == cast.public
    assert "Spring pulse" in str(notice.params)
    assert Activity.objects.filter(verb=AssessmentEvent.CYCLE_OPEN).count() == 1


def test_cycles_results_shared_before_the_close_are_announced_when_it_closes(cast, survey):
    cycle = make_cycle(survey, started_days_ago=20, days_open=14, results_shared=True)
    Cycle.objects.update(state=OPEN)

    services.advance_cycles()
    services.advance_cycles()

    people = sorted([cast.organizer.pk, cast.facilitator.pk, cast.member.pk])
    assert _notified(AssessmentEvent.CYCLE_SHARE) == people
    cycle.refresh_from_db()
    assert cycle.state == CLOSED


def test_cycles_scheduled_cycles_wait_for_their_time(survey):
    cycle = make_cycle(survey, started_days_ago=-2)

    services.advance_cycles()

    cycle.refresh_from_db()
    assert cycle.state == SCHEDULED
    assert not Notification.objects.exists()


def test_cycles_closing_wipes_the_salt_of_anonymous_cycles(cast, survey):
    anonymous = make_cycle(survey, anonymous=True, started_days_ago=20, days_open=14)
    named = make_cycle(survey, anonymous=False, started_days_ago=20, days_open=14)
    Cycle.objects.update(state=OPEN)
    moment = timezone.now() - timedelta(days=10)
    answer(anonymous, cast.member, {"Useful?": 4}, now=moment)
    answer(named, cast.member, {"Useful?": 4}, now=moment)

    result = services.advance_cycles()
    services.advance_cycles()

    anonymous.refresh_from_db()
    named.refresh_from_db()
    assert result["closed"] == 2
    assert (anonymous.state, named.state) == (CLOSED, CLOSED)
    assert anonymous.salt == ""
    assert named.salt != ""
    assert response_of(anonymous, cast.member) is None
    assert response_of(named, cast.member) is not None
    assert Activity.objects.filter(verb=AssessmentEvent.CYCLE_CLOSE).count() == 2
    # A cycle that closed unseen is not announced as opening.
    assert not Notification.objects.filter(verb=AssessmentEvent.CYCLE_OPEN).exists()


def test_cycles_recurrence_creates_exactly_one_next_cycle(cast, survey):
    opens = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    cycle = make_cycle(
        survey,
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        recurrence="quarterly",
        title="Pulse — Q1 2026",
    )
    now = opens + timedelta(days=20)

    services.advance_cycles(now=now)
    services.advance_cycles(now=now)

    following = Cycle.objects.get(previous=cycle)
    assert Cycle.objects.count() == 2
    assert following.opens_at == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    assert following.closes_at - following.opens_at == timedelta(days=14)
    assert following.state == SCHEDULED
    assert following.recurrence == "quarterly"
    assert following.title == "Pulse — Q2 2026"
    assert following.salt and following.salt != cycle.salt


def test_cycles_the_next_cycle_uses_the_surveys_current_revision(cast, survey):
    from assessments.services.revisions import editable_revision

    cycle = make_cycle(survey, started_days_ago=20, days_open=14, recurrence="monthly")
    answer(cycle, cast.member, {"Useful?": 4}, now=timezone.now() - timedelta(days=10))
    revised = editable_revision(survey, actor=cast.facilitator).revision

    services.advance_cycles()

    assert revised != cycle.revision
    assert Cycle.objects.get(previous=cycle).revision == revised


@pytest.mark.parametrize(
    ("recurrence", "opens", "expected"),
    [
        ("monthly", datetime(2026, 1, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        ("semiannual", datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)),
        ("yearly", datetime(2024, 2, 29, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
    ],
)
def test_cycles_recurrence_periods(survey, recurrence, opens, expected):
    cycle = make_cycle(
        survey, opens_at=opens, closes_at=opens + timedelta(days=3), recurrence=recurrence
    )

    services.advance_cycles(now=opens + timedelta(days=4))

    assert Cycle.objects.get(previous=cycle).opens_at == expected


def test_cycles_a_long_pause_schedules_the_next_period_still_to_come(survey):
    opens = datetime(2026, 1, 1, tzinfo=UTC)
    cycle = make_cycle(
        survey, opens_at=opens, closes_at=opens + timedelta(days=7), recurrence="monthly"
    )

    services.advance_cycles(now=datetime(2026, 5, 20, tzinfo=UTC))

    assert Cycle.objects.get(previous=cycle).opens_at == datetime(2026, 6, 1, tzinfo=UTC)


def test_cycles_once_means_no_next_cycle(survey):
    make_cycle(survey, started_days_ago=20, days_open=14)

    services.advance_cycles()

    assert Cycle.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_cycles_two_passes_at_once_act_once(cast, survey):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    to_open = make_cycle(survey, title="Opening")
    to_close = make_cycle(survey, started_days_ago=20, days_open=14, recurrence="quarterly")
    Cycle.objects.filter(pk=to_close.pk).update(state=OPEN)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            services.advance_cycles()
            services.send_reminders()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Cycle.objects.filter(previous=to_close).count() == 1
    assert Notification.objects.filter(verb=AssessmentEvent.CYCLE_OPEN).count() == 3
    assert Activity.objects.filter(verb=AssessmentEvent.CYCLE_OPEN).count() == 1
    assert Activity.objects.filter(verb=AssessmentEvent.CYCLE_CLOSE).count() == 1
    assert Cycle.objects.get(pk=to_open.pk).state == OPEN


def test_cycles_reminders_go_once_to_those_who_have_not_answered(cast, survey):
    cycle = make_cycle(survey, started_days_ago=12, days_open=14, anonymous=True)
    services.advance_cycles()
    answer(cycle, cast.member, {"Useful?": 4})
    suspended = UserFactory()
    MembershipFactory(community=cast.public, user=suspended, state=Membership.State.SUSPENDED)

    first = services.send_reminders()
    second = services.send_reminders()

    assert (first, second) == (2, 0)
    assert _notified(AssessmentEvent.CYCLE_REMIND) == sorted(
        [cast.organizer.pk, cast.facilitator.pk]
    )
    cycle.refresh_from_db()
    assert cycle.reminded_at is not None


def test_cycles_no_reminder_earlier_than_three_days_before_close(survey):
    cycle = make_cycle(survey, started_days_ago=5, days_open=14)
    services.advance_cycles()

    assert services.send_reminders() == 0
    assert services.send_reminders(now=cycle.closes_at - timedelta(days=3, minutes=1)) == 0
    assert services.send_reminders(now=cycle.closes_at - timedelta(days=2)) == 3
    assert services.send_reminders(now=cycle.closes_at - timedelta(days=1)) == 0


def test_cycles_a_closed_cycle_is_not_reminded(survey):
    make_cycle(survey, started_days_ago=20, days_open=14)
    services.advance_cycles()

    assert services.send_reminders() == 0


def test_cycles_tasks_run_the_services(survey):
    cycle = make_cycle(survey, started_days_ago=12, days_open=14)

    assert tasks.advance_cycles.delay().get()["opened"] == 1
    assert tasks.send_cycle_reminders.delay().get() == 3
    cycle.refresh_from_db()
    assert cycle.state == OPEN and cycle.reminded_at is not None


def test_cycles_beat_schedule_runs_both_tasks():
    from cop.celery import app

    app.loader.import_default_modules()
    entries = {
        entry["task"]: entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("assessments.")
    }

    assert set(entries) == {
        "assessments.tasks.advance_cycles",
        "assessments.tasks.send_cycle_reminders",
    }
    for name, entry in entries.items():
        assert name in app.tasks
        assert entry["schedule"] <= 5 * 60
        assert entry["options"]["expire_seconds"] < entry["schedule"]


def test_cycles_service_refuses_closing_before_opening(cast, survey):
    now = timezone.now()

    with pytest.raises(AssessmentError):
        services.create_cycle(
            survey, actor=cast.facilitator, title="X", opens_at=now, closes_at=now
        )
    assert not Cycle.objects.exists()


def test_cycles_a_closed_cycle_cannot_be_reopened(cast, survey):
    cycle = make_cycle(survey, started_days_ago=20, days_open=14)
    services.advance_cycles()
    cycle.refresh_from_db()

    with pytest.raises(AssessmentError):
        services.update_cycle(
            cycle,
            actor=cast.facilitator,
            changes={"closes_at": timezone.now() + timedelta(days=3)},
        )


def test_cycles_period_labels():
    moment = datetime(2027, 5, 3, tzinfo=UTC)

    assert services.period_label(moment, "quarterly") == "Q2 2027"
    assert services.period_label(moment, "semiannual") == "H1 2027"
    assert services.period_label(moment, "yearly") == "2027"
    assert services.period_label(moment, "monthly") == "May 2027"
