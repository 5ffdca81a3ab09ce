"""The value report's reads: what an organizer hands a sponsor for one period (a quarter or a
year) — members and their organizations, participation, assessment trends, featured stories, and
the threads and documents produced.

Participation is read from the community's Activity log by verb, as plain strings: the
assessments never import the forums or the documents, and the log names each target as it is
now (communities.activity), so a thread hidden or a document trashed since is not listed.
Everything is filtered by the one community: nothing of another community can appear.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Avg, Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.models import Answer, Cycle, Question, ValueCycle, ValueStory
from communities.activity import with_current_targets
from communities.models import Activity, Community, Membership

# Below this many responses an anonymous cycle says too much about each respondent.
SMALL_GROUP = 3
# How many threads and documents the report names (the counts cover them all).
LISTED = 20

THREAD_CREATE = "thread.create"
POST_CREATE = "post.create"
DOCUMENT_UPLOAD = "document.upload"
DOCUMENT_VERSION = "document.version"
# The verbs counted as participation, in the order of the report's columns.
PARTICIPATION = {
    THREAD_CREATE: _("Threads started"),
    POST_CREATE: _("Replies"),
    DOCUMENT_UPLOAD: _("Documents shared"),
    DOCUMENT_VERSION: _("New versions of documents"),
}

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-[Qq](?P<quarter>[1-4]))?$")
FIRST_YEAR = 1900
# date(10000, 1, 1) does not exist: the last period must end within year 9999.
LAST_YEAR = 9998


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A quarter (`quarter` 1–4) or a whole year (`quarter` None)."""

    year: int
    quarter: int | None = None

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    @property
    def key(self) -> str:
        """As in ?period=: "2026-Q3" or "2026"."""
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def label(self) -> str:
        if self.quarter is None:
            return str(self.year)
        return _("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.year}

    @property
    def months(self) -> list[date]:
        count = 3 if self.quarter else 12
        return [date(self.year, self.start.month + offset, 1) for offset in range(count)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware moments in the current time zone: [start, end)."""
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), zone),
            timezone.make_aware(datetime.combine(self.end, time.min), zone),
        )

    def previous_quarter(self) -> "Period":
        if self.quarter is None or self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)


def quarter_of(day: date) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1)


def last_complete_quarter(today: date | None = None) -> Period:
    return quarter_of(today or timezone.localdate()).previous_quarter()


def parse_period(value: str) -> Period | None:
    """The period ?period= names ("2026-Q3", "2026"), or None when it names none we can show."""
    match = _PERIOD.match((value or "").strip())
    if match is None:
        return None
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return Period(year, int(match["quarter"]) if match["quarter"] else None)


def recent_quarters(count: int, *, today: date | None = None) -> list[Period]:
    """The `count` quarters up to the current one, oldest first."""
    quarters = [quarter_of(today or timezone.localdate())]
    while len(quarters) < count and quarters[-1].year > FIRST_YEAR:
        quarters.append(quarters[-1].previous_quarter())
    return quarters[::-1]


def period_choices(*, today: date | None = None) -> list[Period]:
    """What the report's selector offers: the last eight quarters and the last three years."""
    today = today or timezone.localdate()
    years = [Period(year) for year in range(today.year, today.year - 3, -1)]
    return recent_quarters(8, today=today)[::-1] + years


# --- The report ---------------------------------------------------------------------------------


@dataclass
class Members:
    at_end: int
    new: int
    organizations: list[tuple[str, int]]
    sectors: list[tuple[str, int]]


def members_of(community: Community, period: Period) -> Members:
    """Who belongs at the end of the period (only current memberships are kept: people who
    left are not counted), who joined in it, and their organizations and sectors."""
    start, end = period.bounds()
    memberships = Membership.objects.filter(
        community=community, state=Membership.State.ACTIVE, joined_at__lt=end
    )
    counts = memberships.aggregate(
        total=Count("pk"), new=Count("pk", filter=Q(joined_at__gte=start))
    )
    organizations = [
        (row["user__organization"] or str(_("Not given")), row["count"])
        for row in memberships.values("user__organization")
        .annotate(count=Count("pk"))
        .order_by("-count", "user__organization")
    ]
    sector_names = dict(User.Sector.choices)
    sectors = [
        (str(sector_names.get(row["user__sector"], _("Not given"))), row["count"])
        for row in memberships.values("user__sector")
        .annotate(count=Count("pk"))
        .order_by("-count", "user__sector")
    ]
    return Members(counts["total"], counts["new"], organizations, sectors)


@dataclass
class Month:
    month: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        """The counts in the order of PARTICIPATION, for the table's columns."""
        return [self.counts.get(verb, 0) for verb in PARTICIPATION]


def _activities(community: Community, period: Period, verbs):
    start, end = period.bounds()
    return Activity.objects.filter(
        community=community,
        verb__in=list(verbs),
        created_at__gte=start,
        created_at__lt=end,
        is_hidden=False,
    )


def participation_of(community: Community, period: Period) -> list[Month]:
    """Threads, replies, documents and new versions per month of the period."""
    months = {month: Month(month) for month in period.months}
    rows = (
        _activities(community, period, PARTICIPATION)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "verb")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, datetime) else month
        if day in months:
            months[day].counts[row["verb"]] = row["count"]
    return list(months.values())


@dataclass
class CycleTrend:
    cycle: Cycle
    responses: int
    members: int
    means: dict[str, float | None]

    @property
    def rate(self) -> int | None:
        """The response rate, in percent of the members at the cycle's close."""
        if not self.members:
            return None
        return round(100 * min(self.responses, self.members) / self.members)

    @property
    def cells(self) -> list[float | None]:
        return [self.means.get(cycle.value) for cycle in ValueCycle]


@dataclass
class Trends:
    cycles: list[CycleTrend]
    # Anonymous cycles left out because too few answered.
    withheld: int


def trends_of(community: Community, period: Period, *, now: datetime | None = None) -> Trends:
    """For each cycle closed in the period: its response rate and the mean of the Likert
    questions of each value cycle (anonymous cycles of fewer than SMALL_GROUP responses are
    left out)."""
    start, end = period.bounds()
    members_at_close = (
        Membership.objects.filter(
            community=OuterRef("community"),
            state=Membership.State.ACTIVE,
            joined_at__lt=OuterRef("closes_at"),
        )
        .values("community")
        .annotate(count=Count("pk"))
        .values("count")
    )
    cycles = list(
        Cycle.objects.filter(
            community=community,
            closes_at__gte=start,
            closes_at__lt=min(end, now or timezone.now()),
        )
        .annotate(
            response_count=Count("responses", distinct=True),
            member_count=Coalesce(Subquery(members_at_close), 0),
        )
        .order_by("closes_at", "pk")
    )
    shown = [c for c in cycles if not (c.anonymous and c.response_count < SMALL_GROUP)]
    means: dict[int, dict[str, float]] = defaultdict(dict)
    rows = (
        Answer.objects.filter(
            response__cycle__in=[c.pk for c in shown],
            question__kind=Question.Kind.LIKERT,
            number__isnull=False,
        )
        .exclude(question__value_cycle="")
        .values("response__cycle", "question__value_cycle")
        .annotate(mean=Avg("number"))
        .order_by()
    )
    for row in rows:
        means[row["response__cycle"]][row["question__value_cycle"]] = round(float(row["mean"]), 2)
    return Trends(
        [CycleTrend(c, c.response_count, c.member_count, means[c.pk]) for c in shown],
        withheld=len(cycles) - len(shown),
    )


def featured_stories_of(community: Community, period: Period) -> list[ValueStory]:
    """The featured stories that happened in the period, oldest first."""
    return list(
        ValueStory.objects.filter(
            community=community,
            featured_at__isnull=False,
            happened_on__gte=period.start,
            happened_on__lt=period.end,
        ).order_by("happened_on", "pk")
    )


@dataclass
class Produced:
    """Up to LISTED of the things of one kind made in the period, grouped by month."""

    total: int
    by_month: list[tuple[date, list[str]]]


def produced_of(community: Community, period: Period, verb: str) -> Produced:
    """The threads started or documents shared in the period, named as they are now."""
    activities = _activities(community, period, [verb]).order_by("created_at", "pk")
    # A few more than listed, as some targets may have been hidden or removed since.
    named = with_current_targets(activities[: LISTED * 3])[:LISTED]
    months: dict[date, list[str]] = {}
    for item in named:
        day = timezone.localtime(item.created_at).date().replace(day=1)
        months.setdefault(day, []).append(item.target_label)
    return Produced(activities.count(), list(months.items()))


@dataclass
class Report:
    community: Community
    period: Period
    members: Members
    participation: list[Month]
    trends: Trends
    stories: list[ValueStory]
    threads: Produced
    documents: Produced


def value_report(community: Community, period: Period) -> Report:
    """Everything the value report shows for one community and period."""
    return Report(
        community=community,
        period=period,
        members=members_of(community, period),
        participation=participation_of(community, period),
        trends=trends_of(community, period),
        stories=featured_stories_of(community, period),
        threads=produced_of(community, period, THREAD_CREATE),
        documents=produced_of(community, period, DOCUMENT_UPLOAD),
    )
