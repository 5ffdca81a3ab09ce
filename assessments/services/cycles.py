"""Cycles: scheduling, changing, and the periodic pass that opens, closes, repeats and reminds.

Every step of `advance_cycles` and `send_reminders` claims its work with a conditional UPDATE
(`… WHERE state = 'scheduled'`, `… WHERE reminded_at IS NULL`) before doing anything else: two
passes running at once (two beat ticks, a retried task) each try the UPDATE, and only the one
that changed the row goes on to tell people. A repeated cycle is claimed by the one-to-one
`previous` link: a second creation for the same cycle fails on its unique index.
"""

import calendar
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.events import AssessmentEvent
from assessments.models import Cycle, Response, Survey
from assessments.services.errors import AssessmentError
from assessments.services.responses import respondent_key
from assessments.services.revisions import current_revision
from assessments.services.sharing import tell_members_results_shared
from communities import services as community_services
from communities.models import Membership

Recurrence = Cycle.Recurrence
PERIOD_MONTHS = {
    Recurrence.MONTHLY: 1,
    Recurrence.QUARTERLY: 3,
    Recurrence.SEMIANNUAL: 6,
    Recurrence.YEARLY: 12,
}
# Members who have not answered are reminded this long before the cycle closes.
REMIND_BEFORE = timedelta(days=3)
# Dates outside these years are typing mistakes (and would overflow when a cycle repeats).
FIRST_YEAR, LAST_YEAR = 2000, 2200
UPDATABLE = ("title", "opens_at", "closes_at", "recurrence", "anonymous", "results_shared")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_label(moment: datetime | date, recurrence: str = Recurrence.QUARTERLY) -> str:
    """How people name the period a cycle starts in: "Q2 2027", "H1 2027", "2027", a month."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    if recurrence == Recurrence.YEARLY:
        return str(moment.year)
    if recurrence == Recurrence.SEMIANNUAL:
        return gettext("H%(half)s %(year)s") % {
            "half": 1 + (moment.month - 1) // 6,
            "year": moment.year,
        }
    if recurrence == Recurrence.MONTHLY:
        return formats.date_format(moment, "YEAR_MONTH_FORMAT")
    return gettext("Q%(quarter)s %(year)s") % {
        "quarter": 1 + (moment.month - 1) // 3,
        "year": moment.year,
    }


def default_title(survey: Survey, opens_at: datetime, recurrence: str = "") -> str:
    return f"{survey.title} — {period_label(opens_at, recurrence or Recurrence.QUARTERLY)}"


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    for moment in (opens_at, closes_at):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise AssessmentError(
                _("Dates must fall between the years %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
    if closes_at <= opens_at:
        raise AssessmentError(_("The assessment must close after it opens."))


@transaction.atomic
def create_cycle(
    survey: Survey,
    *,
    actor: User,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    recurrence: str = "",
    anonymous: bool = True,
    results_shared: bool = False,
) -> Cycle:
    """Schedule a cycle of the survey's current revision (the periodic pass opens it)."""
    _check_dates(opens_at, closes_at)
    cycle = Cycle.objects.create(
        community=survey.community,
        survey=survey,
        revision=current_revision(survey),
        title=title.strip()[:200] or default_title(survey, opens_at, recurrence),
        opens_at=opens_at,
        closes_at=closes_at,
        recurrence=recurrence,
        anonymous=anonymous,
        results_shared=results_shared,
        created_by=actor,
    )
    community_services.audit(
        actor,
        survey.community,
        AssessmentEvent.CYCLE_CREATE,
        cycle,
        details={"survey": survey.pk, "revision": cycle.revision.number, "anonymous": anonymous},
    )
    return cycle


@transaction.atomic
def update_cycle(cycle: Cycle, *, actor: User, changes: dict) -> bool:
    """Change a cycle's title, dates, recurrence, anonymity or sharing; False when nothing
    changed. Anonymity is fixed once someone answered (their answers were given under it), and a
    closed cycle cannot be reopened (an anonymous one has forgotten who answered)."""
    current = Cycle.objects.select_for_update().get(pk=cycle.pk)
    changed = {
        name: value
        for name, value in changes.items()
        if name in UPDATABLE and getattr(current, name) != value
    }
    if not changed:
        return False
    if "anonymous" in changed and Response.objects.filter(cycle=current).exists():
        raise AssessmentError(
            _("Members have answered already: whether answers are anonymous cannot change.")
        )
    opens_at = changed.get("opens_at", current.opens_at)
    closes_at = changed.get("closes_at", current.closes_at)
    if "opens_at" in changed or "closes_at" in changed:
        _check_dates(opens_at, closes_at)
        if current.state == Cycle.State.CLOSED:
            raise AssessmentError(_("This assessment has closed: its dates cannot change."))
    for name, value in changed.items():
        setattr(current, name, value)
        setattr(cycle, name, value)
    current.save(update_fields=list(changed))
    community_services.audit(
        actor,
        current.community,
        AssessmentEvent.CYCLE_UPDATE,
        current,
        details={"changed": sorted(changed)},
    )
    return True


def _active_members(community) -> list[User]:
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__state=Membership.State.ACTIVE,
            is_active=True,
        ).distinct()
    )


def _notice_params(cycle: Cycle) -> dict:
    return {
        "cycle": cycle.title,
        "community_name": cycle.community.name,
        "closes": cycle.closes_at,
    }


@transaction.atomic
def _open(cycle_id: int, now: datetime) -> bool:
    """Open one scheduled cycle and tell every active member, once."""
    claimed = Cycle.objects.filter(
        pk=cycle_id, state=Cycle.State.SCHEDULED, opens_at__lte=now, closes_at__gt=now
    ).update(state=Cycle.State.OPEN)
    if not claimed:
        return False
    cycle = Cycle.objects.select_related("community").get(pk=cycle_id)
    community_services.record_activity(cycle.community, None, AssessmentEvent.CYCLE_OPEN, cycle)
    community_services.notify_many(
        _active_members(cycle.community),
        AssessmentEvent.CYCLE_OPEN,
        url=cycle.get_absolute_url(),
        community=cycle.community,
        target=community_services.target_key(cycle),
        **_notice_params(cycle),
    )
    return True


@transaction.atomic
def _close(cycle_id: int, now: datetime) -> bool:
    """Close one cycle whose time is up; an anonymous one forgets its salt for good."""
    claimed = Cycle.objects.filter(
        pk=cycle_id,
        state__in=[Cycle.State.SCHEDULED, Cycle.State.OPEN],
        closes_at__lte=now,
    ).update(
        state=Cycle.State.CLOSED,
        salt=Case(When(anonymous=True, then=Value("")), default=F("salt")),
    )
    if not claimed:
        return False
    cycle = Cycle.objects.select_related("community").get(pk=cycle_id)
    community_services.record_activity(cycle.community, None, AssessmentEvent.CYCLE_CLOSE, cycle)
    if cycle.results_shared:
        # Shared before it closed: the members may read the results now.
        tell_members_results_shared(cycle)
    return True


def _next_dates(cycle: Cycle, now: datetime) -> tuple[datetime, datetime]:
    """The next period's dates: opens one period after the previous opening (several, when
    the pass did not run for that long), open as long as the previous one."""
    months = PERIOD_MONTHS[cycle.recurrence]
    duration = cycle.closes_at - cycle.opens_at
    opens_at = timezone.localtime(cycle.opens_at)
    step = 1
    while True:
        candidate = add_months(opens_at, months * step)
        if candidate + duration > now or candidate.year >= LAST_YEAR:
            return candidate, candidate + duration
        step += 1


def _next_title(cycle: Cycle, opens_at: datetime) -> str:
    with translation.override(cycle.community.language):
        old = period_label(cycle.opens_at, cycle.recurrence)
        new = period_label(opens_at, cycle.recurrence)
        if cycle.title.endswith(old):
            return (cycle.title[: -len(old)] + new)[:200]
        return default_title(cycle.survey, opens_at, cycle.recurrence)[:200]


def _repeat(cycle_id: int, now: datetime) -> Cycle | None:
    """Schedule the cycle that repeats this one, unless it exists (exactly one, ever)."""
    cycle = (
        Cycle.objects.filter(pk=cycle_id, next_cycle__isnull=True)
        .select_related("community", "survey", "created_by")
        .first()
    )
    if cycle is None or cycle.recurrence not in PERIOD_MONTHS:
        return None
    opens_at, closes_at = _next_dates(cycle, now)
    if opens_at.year > LAST_YEAR:
        return None
    try:
        with transaction.atomic():
            following = Cycle.objects.create(
                community=cycle.community,
                survey=cycle.survey,
                revision=current_revision(cycle.survey),
                title=_next_title(cycle, opens_at),
                opens_at=opens_at,
                closes_at=closes_at,
                recurrence=cycle.recurrence,
                anonymous=cycle.anonymous,
                results_shared=cycle.results_shared,
                previous=cycle,
                created_by=cycle.created_by,
            )
            community_services.audit(
                None,
                cycle.community,
                AssessmentEvent.CYCLE_CREATE,
                following,
                details={"previous": cycle.pk, "revision": following.revision.number},
            )
    except IntegrityError:
        # Another pass scheduled it first.
        return None
    return following


def advance_cycles(*, now: datetime | None = None) -> dict:
    """One periodic pass: open the cycles whose time came, close those whose time is up, and
    schedule the next cycle of every closed recurring one. Safe to run twice, even at once."""
    now = now or timezone.now()
    active = [Cycle.State.SCHEDULED, Cycle.State.OPEN]
    to_open = Cycle.objects.filter(
        state=Cycle.State.SCHEDULED, opens_at__lte=now, closes_at__gt=now
    ).values_list("pk", flat=True)
    opened = sum(_open(pk, now) for pk in list(to_open))
    to_close = Cycle.objects.filter(state__in=active, closes_at__lte=now).values_list(
        "pk", flat=True
    )
    closed = sum(_close(pk, now) for pk in list(to_close))
    to_repeat = (
        Cycle.objects.filter(state=Cycle.State.CLOSED, next_cycle__isnull=True)
        .exclude(recurrence="")
        .filter(survey__archived_at__isnull=True)
        .values_list("pk", flat=True)
    )
    repeated = sum(_repeat(pk, now) is not None for pk in list(to_repeat))
    return {"opened": opened, "closed": closed, "repeated": repeated}


@transaction.atomic
def _remind(cycle_id: int, now: datetime) -> int:
    """Remind the members who have not answered one cycle, once; returns how many."""
    claimed = Cycle.objects.filter(pk=cycle_id, reminded_at__isnull=True).update(reminded_at=now)
    if not claimed:
        return 0
    cycle = Cycle.objects.select_related("community").get(pk=cycle_id)
    if not cycle.salt:
        return 0
    answered = set(Response.objects.filter(cycle=cycle).values_list("respondent_key", flat=True))
    waiting = [
        member
        for member in _active_members(cycle.community)
        if respondent_key(cycle, member) not in answered
    ]
    community_services.notify_many(
        waiting,
        AssessmentEvent.CYCLE_REMIND,
        url=cycle.get_absolute_url(),
        community=cycle.community,
        target=community_services.target_key(cycle),
        **_notice_params(cycle),
    )
    return len(waiting)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind, once, the members who have not answered a cycle closing within three days.
    A cycle shorter than that is not reminded: its opening notice was the reminder."""
    now = now or timezone.now()
    due = Cycle.objects.filter(
        state=Cycle.State.OPEN,
        reminded_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
        closes_at__lte=now + REMIND_BEFORE,
        opens_at__lt=F("closes_at") - REMIND_BEFORE,
    ).values_list("pk", flat=True)
    return sum(_remind(pk, now) for pk in list(due))
