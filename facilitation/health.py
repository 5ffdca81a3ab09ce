"""How a community is doing, for its facilitators' dashboard: tiles, participation levels and
their movement, the interdisciplinary mix, and weekly activity.

Everything is counted in the database (aggregates, Count(filter=…), Case/When, subqueries), so
the dashboard costs the same number of queries for a community of five people and of five
hundred.

What counts as a contribution: a row of the community's activity log (communities.Activity) by
the person, except the bookkeeping of membership and set-up (joining, leaving, role changes,
invitations, join requests, settings, creating the community, publishing guidelines: see
BOOKKEEPING), and except rows hidden by moderation (a hidden post is not counted for its author).
So a contribution is a thread or a reply, a document shared or a new version of it, a value
story — whatever a tool records in the feed. Answers to assessments are not in the log (an
anonymous answer must not be traceable), so they do not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments import selectors as assessment_selectors
from communities import selectors as community_selectors
from communities.models import Activity, Community, JoinRequest, Membership, Notification
from documents.services import storage_limit, storage_used
from facilitation.events import FacilitationEvent
from forums import selectors as forum_selectors

# The rolling period of the participation levels.
WINDOW = timedelta(days=90)
# The previous period ends this long ago ("movement since the previous period").
MOVEMENT_SHIFT = timedelta(days=30)
# A newcomer who has contributed nothing after this long is shown.
NEWCOMER_GRACE = timedelta(days=14)
# "This month" and "this week" of the tiles: rolling, not calendar.
MONTH = timedelta(days=30)
WEEK = timedelta(days=7)
# A thread nobody else answered for this long is "unanswered".
UNANSWERED_AFTER = timedelta(hours=48)
# Threads whose time to a first reply is measured.
REPLY_TIME_WINDOW = timedelta(days=90)
# A person is nudged at most once in this long.
NUDGE_INTERVAL = timedelta(days=14)
MOVERS_SHOWN = 20
WEEKS_CHARTED = 12
ORGANIZATIONS_SHOWN = 8

# Verbs of the log that are bookkeeping, not contributions (prefixes of declared events).
BOOKKEEPING = (
    "community.",
    "member.",
    "invitation.",
    "join_request.",
    "guidelines.",
    "help_request.",
)

ACTIVE = Membership.State.ACTIVE


class Level:
    """The participation levels, highest first."""

    CORE = "core"
    ACTIVE = "active"
    OCCASIONAL = "occasional"
    PERIPHERAL = "peripheral"
    INACTIVE = "inactive"

    ORDER = (CORE, ACTIVE, OCCASIONAL, PERIPHERAL, INACTIVE)
    LABELS = {
        CORE: _("Core"),
        ACTIVE: _("Active"),
        OCCASIONAL: _("Occasional"),
        PERIPHERAL: _("Peripheral"),
        INACTIVE: _("Inactive"),
    }
    # Who "drifted down": from one of these …
    HIGH = (CORE, ACTIVE)
    # … to one of these.
    LOW = (OCCASIONAL, PERIPHERAL, INACTIVE)


# --- Contributions --------------------------------------------------------------------------


def contributions(community: Community) -> QuerySet[Activity]:
    """The community's contributions (see the module's docstring), every period."""
    bookkeeping = Q()
    for prefix in BOOKKEEPING:
        bookkeeping |= Q(verb__startswith=prefix)
    return Activity.objects.filter(
        community=community, actor__isnull=False, is_hidden=False
    ).exclude(bookkeeping)


def _contribution_count(community: Community, start: datetime, end: datetime):
    """How many contributions the membership's person made in [start, end] (a subquery)."""
    counted = (
        contributions(community)
        .filter(actor=OuterRef("user_id"), created_at__gte=start, created_at__lte=end)
        .order_by()
        .values("actor")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _level_of(count_field: str, community: Community) -> Case:
    return Case(
        When(**{f"{count_field}__gte": community.core_threshold}, then=Value(Level.CORE)),
        When(**{f"{count_field}__gte": community.active_threshold}, then=Value(Level.ACTIVE)),
        When(
            **{f"{count_field}__gte": community.occasional_threshold},
            then=Value(Level.OCCASIONAL),
        ),
        When(**{f"{count_field}__gte": 1}, then=Value(Level.PERIPHERAL)),
        default=Value(Level.INACTIVE),
        output_field=CharField(),
    )


def members_with_levels(community: Community, *, now: datetime | None = None):
    """The active memberships, each with `contributions` and `level` over the 90 days to now,
    and `previous_contributions` and `previous_level` over the 90 days ending 30 days ago."""
    now = now or timezone.now()
    before = now - MOVEMENT_SHIFT
    return (
        Membership.objects.filter(community=community, state=ACTIVE)
        .annotate(
            contributions=_contribution_count(community, now - WINDOW, now),
            previous_contributions=_contribution_count(community, before - WINDOW, before),
        )
        .annotate(
            level=_level_of("contributions", community),
            previous_level=_level_of("previous_contributions", community),
        )
    )


# --- Participation levels -------------------------------------------------------------------


@dataclass(frozen=True)
class LevelShare:
    level: str
    label: str
    count: int
    percent: int
    threshold: int


@dataclass(frozen=True)
class Participation:
    total: int
    levels: list[LevelShare]


def participation(community: Community, *, now: datetime | None = None) -> Participation:
    """How many active members are at each level now, and their share (one query)."""
    rows = (
        members_with_levels(community, now=now)
        .order_by()
        .values("level")
        .annotate(count=Count("pk"))
    )
    counts = {row["level"]: row["count"] for row in rows}
    total = sum(counts.values())
    thresholds = {
        Level.CORE: community.core_threshold,
        Level.ACTIVE: community.active_threshold,
        Level.OCCASIONAL: community.occasional_threshold,
        Level.PERIPHERAL: 1,
        Level.INACTIVE: 0,
    }
    return Participation(
        total=total,
        levels=[
            LevelShare(
                level=level,
                label=Level.LABELS[level],
                count=counts.get(level, 0),
                percent=round(100 * counts.get(level, 0) / total) if total else 0,
                threshold=thresholds[level],
            )
            for level in Level.ORDER
        ],
    )


# --- Movement -------------------------------------------------------------------------------


@dataclass
class Movers:
    """A shortened list of people and how many there are in all."""

    shown: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.shown), 0)


def drifted_down(
    community: Community, *, now: datetime | None = None, limit: int = MOVERS_SHOWN
) -> Movers:
    """Members who were core or active in the previous period and are occasional, peripheral
    or inactive now (two queries), the biggest falls first."""
    movers = members_with_levels(community, now=now).filter(
        previous_level__in=Level.HIGH, level__in=Level.LOW
    )
    shown = list(
        movers.select_related("user").order_by(
            F("contributions") - F("previous_contributions"), "user__display_name", "pk"
        )[:limit]
    )
    # Counted even when the list is short, so the page's query count never depends on it.
    return Movers(shown, movers.count())


def silent_newcomers(
    community: Community, *, now: datetime | None = None, limit: int = MOVERS_SHOWN
) -> Movers:
    """Members who joined between 90 and 14 days ago and have contributed nothing yet (two
    queries), the longest waiting first."""
    now = now or timezone.now()
    anything = contributions(community).filter(actor=OuterRef("user_id"))
    newcomers = Membership.objects.filter(
        community=community,
        state=ACTIVE,
        joined_at__lte=now - NEWCOMER_GRACE,
        joined_at__gte=now - WINDOW,
    ).filter(~Exists(anything))
    shown = list(newcomers.select_related("user").order_by("joined_at", "pk")[:limit])
    return Movers(shown, newcomers.count())


def recently_nudged(community: Community, *, now: datetime | None = None) -> dict[int, datetime]:
    """Who was nudged in this community in the last 14 days, and when (person id → moment)."""
    now = now or timezone.now()
    rows = (
        Notification.objects.filter(
            community=community,
            verb=FacilitationEvent.MEMBER_NUDGE,
            created_at__gt=now - NUDGE_INTERVAL,
        )
        .order_by("recipient_id", "-created_at")
        .values_list("recipient_id", "created_at")
    )
    nudged: dict[int, datetime] = {}
    for recipient_id, moment in rows:
        nudged.setdefault(recipient_id, moment)
    return nudged


# --- Tiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    members: int
    new_members: int
    active_people: int
    posts_this_week: int
    posts_last_week: int
    unanswered_threads: int
    median_first_reply: timedelta | None
    replied_threads: int
    pending_join_requests: int
    moderation_queue: int
    open_help_requests: int
    open_cycles: int
    open_cycle_responses: int
    response_rate: int | None
    storage_used: int
    storage_limit: int | None

    @property
    def storage_percent(self) -> int | None:
        if not self.storage_limit:
            return None
        return min(round(100 * self.storage_used / self.storage_limit), 999)


def median(durations_sorted_middle: list[timedelta], count: int) -> timedelta | None:
    """The median of `count` values given the middle one (odd) or two (even)."""
    if not count or not durations_sorted_middle:
        return None
    if count % 2:
        return durations_sorted_middle[0]
    first, second = durations_sorted_middle[:2]
    return (first + second) / 2


def median_first_reply(community: Community, *, now: datetime | None = None):
    """(median time to a first reply by someone else, how many threads it is measured on) for
    the threads started in the last 90 days: two queries whatever their number — a count, then
    the one or two middle values, sorted by the database."""
    now = now or timezone.now()
    threads = forum_selectors.first_reply_times(community, since=now - REPLY_TIME_WINDOW)
    count = threads.count()
    if not count:
        return None, 0
    offset = (count - 1) // 2
    take = 1 if count % 2 else 2
    middle = list(
        threads.order_by("wait", "pk").values_list("wait", flat=True)[offset : offset + take]
    )
    return median(middle, count), count


def tiles(community: Community, *, now: datetime | None = None) -> Tiles:
    """The dashboard's numbers, each a handful of aggregate queries."""
    now = now or timezone.now()
    members = Membership.objects.filter(community=community, state=ACTIVE).aggregate(
        total=Count("pk"), new=Count("pk", filter=Q(joined_at__gte=now - MONTH))
    )
    active_people = (
        contributions(community)
        .filter(created_at__gte=now - MONTH, created_at__lte=now)
        .aggregate(people=Count("actor", distinct=True))["people"]
    )
    posts = forum_selectors.post_counts(community, now=now, week=WEEK)
    median_wait, replied = median_first_reply(community, now=now)
    cycles = assessment_selectors.open_cycle_responses(community, now=now)
    answered = cycles["responses"]
    possible = cycles["cycles"] * members["total"]
    return Tiles(
        members=members["total"],
        new_members=members["new"],
        active_people=active_people,
        posts_this_week=posts["this_week"],
        posts_last_week=posts["last_week"],
        unanswered_threads=forum_selectors.unanswered_threads(
            community, older_than=now - UNANSWERED_AFTER
        ).count(),
        median_first_reply=median_wait,
        replied_threads=replied,
        pending_join_requests=JoinRequest.objects.filter(
            community=community, state=JoinRequest.State.PENDING
        ).count(),
        moderation_queue=forum_selectors.moderation_queue_count(community),
        open_help_requests=community_selectors.open_help_request_count(community),
        open_cycles=cycles["cycles"],
        open_cycle_responses=answered,
        response_rate=min(round(100 * answered / possible), 100) if possible else None,
        storage_used=storage_used(community),
        storage_limit=storage_limit(community),
    )


# --- Interdisciplinary mix ------------------------------------------------------------------


@dataclass(frozen=True)
class SectorRow:
    sector: str
    label: str
    members: int
    contributors: int


@dataclass(frozen=True)
class OrganizationRow:
    name: str
    members: int
    contributors: int


@dataclass(frozen=True)
class Mix:
    sectors: list[SectorRow]
    organizations: int
    contributing_organizations: int
    top_organizations: list[OrganizationRow]
    replies: int
    replies_with_organizations: int
    crossing_replies: int
    # The sectors that appear in the matrix, and its cells: matrix[replier][starter].
    matrix_sectors: list[tuple[str, str]]
    matrix: list[tuple[tuple[str, str], list[int]]]

    @property
    def crossing_percent(self) -> int | None:
        if not self.replies_with_organizations:
            return None
        return round(100 * self.crossing_replies / self.replies_with_organizations)


def sector_label(value: str) -> str:
    return str(dict(User.Sector.choices).get(value, _("Not given")))


def mix(community: Community, *, now: datetime | None = None) -> Mix:
    """Sectors and organizations among the members and among those who contributed in the last
    90 days; the share of replies that cross organizations and who replies to whom, by sector
    (four queries).

    A reply is a visible post that is not the first of its thread, by someone other than the
    thread's starter (answering in one's own thread is not talking to another). It crosses
    organizations when the replier's organization differs from the starter's (compared without
    regard to case), both being given: the forums do not record which post a reply quotes, so
    the thread's starter is who a reply answers.
    """
    now = now or timezone.now()
    contributed = Exists(
        contributions(community).filter(
            actor=OuterRef("user_id"), created_at__gte=now - WINDOW, created_at__lte=now
        )
    )
    members = Membership.objects.filter(community=community, state=ACTIVE)
    sector_rows = (
        members.order_by()
        .values("user__sector")
        .annotate(members=Count("pk"), contributors=Count("pk", filter=contributed))
        .order_by("-members", "user__sector")
    )
    given = ~Q(user__organization="")
    organizations = members.aggregate(
        all=Count("user__organization", filter=given, distinct=True),
        contributing=Count("user__organization", filter=given & contributed, distinct=True),
    )
    top = (
        members.filter(given)
        .order_by()
        .values("user__organization")
        .annotate(members=Count("pk"), contributors=Count("pk", filter=contributed))
        .order_by("-members", "user__organization")[:ORGANIZATIONS_SHOWN]
    )
    pairs = list(forum_selectors.reply_pairs(community, since=now - WINDOW))
    sectors_seen = sorted(
        {row["replier_sector"] for row in pairs} | {row["starter_sector"] for row in pairs},
        key=lambda value: (value == "", sector_label(value)),
    )
    cells = {(row["replier_sector"], row["starter_sector"]): row["replies"] for row in pairs}
    return Mix(
        sectors=[
            SectorRow(
                row["user__sector"],
                sector_label(row["user__sector"]),
                row["members"],
                row["contributors"],
            )
            for row in sector_rows
        ],
        organizations=organizations["all"],
        contributing_organizations=organizations["contributing"],
        top_organizations=[
            OrganizationRow(row["user__organization"], row["members"], row["contributors"])
            for row in top
        ],
        replies=sum(row["replies"] for row in pairs),
        replies_with_organizations=sum(row["with_organizations"] for row in pairs),
        crossing_replies=sum(row["crossing"] for row in pairs),
        matrix_sectors=[(value, sector_label(value)) for value in sectors_seen],
        matrix=[
            (
                (replier, sector_label(replier)),
                [cells.get((replier, starter), 0) for starter in sectors_seen],
            )
            for replier in sectors_seen
        ],
    )


# --- Weekly activity ------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    start: datetime
    contributions: int
    people: int


def weekly_activity(
    community: Community, *, now: datetime | None = None, weeks: int = WEEKS_CHARTED
) -> list[Week]:
    """Contributions and distinct contributors per week (Monday to Sunday, in the current time
    zone) for the last `weeks` weeks, this one included (one query)."""
    now = now or timezone.now()
    today = timezone.localtime(now)
    monday = (today - timedelta(days=today.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first = monday - timedelta(weeks=weeks - 1)
    rows = (
        contributions(community)
        .filter(created_at__gte=first, created_at__lte=now)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values("week")
        .annotate(count=Count("pk"), people=Count("actor", distinct=True))
    )
    by_week = {timezone.localtime(row["week"]).date(): row for row in rows}
    series = []
    for index in range(weeks):
        start = first + timedelta(weeks=index)
        row = by_week.get(start.date(), {"count": 0, "people": 0})
        series.append(Week(start, row["count"], row["people"]))
    return series
