"""Facilitator reminders: a daily email to each facilitator, only when something needs them.

One email covers every community the person facilitates (an active membership whose Access has
"community.facilitate"; archived communities are left out: nothing there waits for anyone). What
needs them is read from the dashboard's own selectors (facilitation.health: `tiles`,
`drifted_down`; the tools' selectors for the few items listed), so the email and the dashboard
never disagree:

- join requests waiting for an answer,
- the review queue (posts with open flags and posts held for approval),
- open help requests,
- threads nobody but their starter answered for 48 hours,
- assessment cycles closing within 3 days, with their response rate,
- members who drifted from core or active down to occasional, peripheral or inactive.

Further needs (knowledge entries past their review date, once those exist) plug in with
`register_need`: a function (community, access, tiles, now) → Need | None.

When: in the facilitator's morning, from 08:00 to noon in their time zone (User.time_zone),
once per local day. The beat task (facilitation.tasks.send_facilitator_reminders, every 15
minutes) hands the facilitators whose morning it is to batch tasks, 50 a task; each batch
computes what a community needs once and shares it among that community's facilitators, so its
query count grows with the communities in the batch, never with how much waits in them. The
claim is the outbox key `reminder:<user id>:<local date>`: a second tick, a retry or a
redelivered batch queues nothing twice. A morning with nothing to tell leaves no row: it is
looked at again on the next ticks of the same morning (cheap: the same counts), never after
noon. A facilitator who turned reminders off (communities.emails.preference) gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from accounts.models import User
from assessments import selectors as assessment_selectors
from communities import emails
from communities import selectors as community_selectors
from communities.models import Community, Membership
from communities.permissions import Access, access_for
from core import outbox
from core.models import OutboxEmail
from facilitation import health
from forums import selectors as forum_selectors

KIND = "reminders"
TEMPLATE = "facilitation/email/reminder"
BATCH_SIZE = 50
# The facilitator's morning: from 08:00 until noon, local time.
MORNING_STARTS = time(8, 0)
MORNING_LENGTH = timedelta(hours=4)
# An assessment cycle closing this soon is worth a word.
CLOSING_SOON = timedelta(days=3)
# How many items of each need the email names (the count says how many in all).
ITEMS_SHOWN = 5

FACILITATING_ROLES = (Membership.Role.FACILITATOR, Membership.Role.ORGANIZER)


# --- What needs a facilitator ---------------------------------------------------------------


class Told:
    """A text told when the email is rendered, in its reader's language and time zone (what a
    community needs is computed once and read by facilitators of several languages)."""

    def __init__(self, tell: Callable[[], str]) -> None:
        self.tell = tell

    def __str__(self) -> str:
        return self.tell()


@dataclass(frozen=True)
class Item:
    """One thing of a need, named as the community names it (a person, a subject, a title)."""

    label: str
    url: str
    note: Told | str = ""


@dataclass(frozen=True)
class Need:
    """Something waiting for the facilitators of one community, and where they act on it."""

    name: str
    summary: Told
    action: Told
    url: str
    items: tuple[Item, ...] = ()
    count: int = 0

    @property
    def more(self) -> int:
        """How many items were not named (none when the need names no item)."""
        return max(self.count - len(self.items), 0) if self.items else 0


@dataclass
class CommunityNeeds:
    community: Community
    dashboard_url: str
    needs: list[Need] = field(default_factory=list)


NeedSource = Callable[[Community, Access, health.Tiles, datetime], Need | None]


def _join_requests(community, access, tiles, now) -> Need | None:
    count = tiles.pending_join_requests
    if not count:
        return None
    requests = community_selectors.pending_join_requests(access)[:ITEMS_SHOWN]
    url = emails.full_url(reverse("join_requests", args=[community.slug]))
    return Need(
        name="join_requests",
        summary=Told(
            lambda: (
                ngettext("%(count)s person asks to join.", "%(count)s people ask to join.", count)
                % {"count": count}
            )
        ),
        action=Told(lambda: gettext("Answer the join requests")),
        url=url,
        items=tuple(Item(request.user.name, url) for request in requests),
        count=count,
    )


def _review_queue(community, access, tiles, now) -> Need | None:
    count = tiles.moderation_queue
    if not count:
        return None
    return Need(
        name="review_queue",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s post waits in the review queue (flagged or held for approval).",
                    "%(count)s posts wait in the review queue (flagged or held for approval).",
                    count,
                )
                % {"count": count}
            )
        ),
        action=Told(lambda: gettext("Open the review queue")),
        url=emails.full_url(reverse("moderation_queue", args=[community.slug])),
        count=count,
    )


def _help_requests(community, access, tiles, now) -> Need | None:
    count = tiles.open_help_requests
    if not count:
        return None
    requests = community_selectors.open_help_requests(community)[:ITEMS_SHOWN]
    return Need(
        name="help_requests",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s help request waits for an answer.",
                    "%(count)s help requests wait for an answer.",
                    count,
                )
                % {"count": count}
            )
        ),
        action=Told(lambda: gettext("Open the help desk")),
        url=emails.full_url(reverse("help_requests", args=[community.slug])),
        items=tuple(
            Item(
                request.subject,
                emails.full_url(reverse("help_request", args=[community.slug, request.pk])),
                request.asker.name,
            )
            for request in requests
        ),
        count=count,
    )


def _unanswered_threads(community, access, tiles, now) -> Need | None:
    count = tiles.unanswered_threads
    if not count:
        return None
    threads = forum_selectors.unanswered_threads(
        community, older_than=now - health.UNANSWERED_AFTER
    )[:ITEMS_SHOWN]
    hours = int(health.UNANSWERED_AFTER.total_seconds() // 3600)
    return Need(
        name="unanswered_threads",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s thread has had no answer for more than %(hours)s hours.",
                    "%(count)s threads have had no answer for more than %(hours)s hours.",
                    count,
                )
                % {"count": count, "hours": hours}
            )
        ),
        action=Told(lambda: gettext("See them on the dashboard")),
        url=emails.full_url(reverse("facilitate", args=[community.slug])),
        items=tuple(
            Item(thread.title, emails.full_url(reverse("thread", args=[community.slug, thread.pk])))
            for thread in threads
        ),
        count=count,
    )


def _closing_cycles(community, access, tiles, now) -> Need | None:
    if not tiles.open_cycles:
        return None
    cycles = list(
        assessment_selectors.cycles_of(access)
        .filter(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + CLOSING_SOON)
        .annotate(answered=Count("responses"))
        .order_by("closes_at", "pk")[:ITEMS_SHOWN]
    )
    if not cycles:
        return None
    members = tiles.members
    count = len(cycles)

    def note(cycle) -> Told:
        rate = min(round(100 * cycle.answered / members), 100) if members else 0

        def tell() -> str:
            closes = formats.date_format(timezone.localtime(cycle.closes_at), "DATETIME_FORMAT")
            return ngettext(
                "closes %(date)s: %(answered)s of %(members)s member answered (%(rate)s%%)",
                "closes %(date)s: %(answered)s of %(members)s members answered (%(rate)s%%)",
                members,
            ) % {"date": closes, "answered": cycle.answered, "members": members, "rate": rate}

        return Told(tell)

    return Need(
        name="closing_cycles",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s assessment closes within %(days)s days.",
                    "%(count)s assessments close within %(days)s days.",
                    count,
                )
                % {"count": count, "days": CLOSING_SOON.days}
            )
        ),
        action=Told(lambda: gettext("Open the assessments")),
        url=emails.full_url(reverse("assessments", args=[community.slug])),
        items=tuple(
            Item(
                cycle.title,
                emails.full_url(reverse("cycle", args=[community.slug, cycle.pk])),
                note(cycle),
            )
            for cycle in cycles
        ),
        count=count,
    )


def _drifting_members(community, access, tiles, now) -> Need | None:
    movers = health.drifted_down(community, now=now, limit=ITEMS_SHOWN)
    if not movers.total:
        return None
    count = movers.total
    url = emails.full_url(reverse("facilitate", args=[community.slug]))
    return Need(
        name="drifting_members",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s member who used to take part is drifting away.",
                    "%(count)s members who used to take part are drifting away.",
                    count,
                )
                % {"count": count}
            )
        ),
        action=Told(lambda: gettext("See who on the dashboard, and send a nudge")),
        url=url,
        items=tuple(
            Item(membership.user.name, url, Told(_level_note(membership.level)))
            for membership in movers.shown
        ),
        count=count,
    )


def _level_note(level: str) -> Callable[[], str]:
    return lambda: gettext("now %(level)s") % {"level": str(health.Level.LABELS[level]).lower()}


NEED_SOURCES: list[NeedSource] = [
    _join_requests,
    _review_queue,
    _help_requests,
    _unanswered_threads,
    _closing_cycles,
    _drifting_members,
]


def register_need(source: NeedSource) -> None:
    """Add a kind of need to the reminders (knowledge entries past their review date, once
    the knowledge archive exists): a function (community, access, tiles, now) → Need | None,
    reading through selectors, its query count independent of how many items wait."""
    if source not in NEED_SOURCES:
        NEED_SOURCES.append(source)


def needs_of(community: Community, access: Access, *, now: datetime) -> CommunityNeeds:
    """What waits for the facilitators of one community now (a fixed number of queries)."""
    found = CommunityNeeds(
        community, emails.full_url(reverse("facilitate", args=[community.slug])), needs=[]
    )
    if community.is_archived or not access.can("community.facilitate"):
        return found
    tiles = health.tiles(community, now=now)
    for source in NEED_SOURCES:
        need = source(community, access, tiles, now)
        if need is not None:
            found.needs.append(need)
    return found


# --- When ------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_of(user: User) -> ZoneInfo:
    """The person's time zone (UTC when it is not one Python knows)."""
    return _zone(user.time_zone)


def is_morning(zone: ZoneInfo, now: datetime) -> bool:
    """Whether it is the morning (08:00 to noon) in this time zone."""
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), MORNING_STARTS, tzinfo=zone)
    return start <= local < start + MORNING_LENGTH


def local_day(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


def reminder_key(user_id: int, day: date) -> str:
    return f"reminder:{user_id}:{day.isoformat()}"


def facilitating_memberships():
    """Active organizer and facilitator memberships of active people in active communities
    (the Access of each then says whether it facilitates)."""
    return Membership.objects.filter(
        state=Membership.State.ACTIVE,
        role__in=FACILITATING_ROLES,
        community__status=Community.Status.ACTIVE,
        user__is_active=True,
    )


def due_facilitators(now: datetime | None = None) -> list[int]:
    """Ids of the facilitators whose morning it is and who have no reminder for their day yet
    (three queries however many there are)."""
    now = now or timezone.now()
    memberships = facilitating_memberships()
    zones = {
        name: _zone(name)
        for name in memberships.order_by().values_list("user__time_zone", flat=True).distinct()
    }
    morning = [name for name, zone in zones.items() if is_morning(zone, now)]
    if not morning:
        return []
    people = (
        memberships.filter(user__time_zone__in=morning)
        .order_by()
        .values_list("user_id", "user__time_zone")
        .distinct()
    )
    keys = {reminder_key(user_id, local_day(zones[name], now)): user_id for user_id, name in people}
    sent = set(OutboxEmail.objects.filter(key__in=list(keys)).values_list("key", flat=True))
    return sorted({user_id for key, user_id in keys.items() if key not in sent})


# --- Sending ---------------------------------------------------------------------------------


def send_reminders(user_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Queue today's reminder of each of these facilitators (a batch of ≤ 50) whose morning it
    is, who has not turned reminders off and whom something needs; returns how many were
    queued. Safe to run twice: the outbox key claims the person's day."""
    now = now or timezone.now()
    users = list(User.objects.filter(pk__in=list(user_ids)[:BATCH_SIZE], is_active=True))
    due: dict[int, tuple[User, date]] = {}
    for user in users:
        zone = zone_of(user)
        if is_morning(zone, now) and emails.preference(user, KIND) != emails.OFF:
            due[user.pk] = (user, local_day(zone, now))
    if not due:
        return 0
    keys = {reminder_key(user.pk, day): user.pk for user, day in due.values()}
    for key in OutboxEmail.objects.filter(key__in=list(keys)).values_list("key", flat=True):
        due.pop(keys[key], None)
    memberships = (
        facilitating_memberships()
        .filter(user_id__in=list(due))
        .select_related("community")
        .order_by("community__name", "community_id")
    )
    by_user: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_user.setdefault(membership.user_id, []).append(membership)
    # Computed once per community, shared by its facilitators of this batch.
    computed: dict[int, CommunityNeeds] = {}
    queued = []
    for user_id, (user, day) in due.items():
        sections = []
        for membership in by_user.get(user_id, []):
            access = access_for(user, membership.community, membership)
            if not access.can("community.facilitate"):
                continue
            if membership.community_id not in computed:
                computed[membership.community_id] = needs_of(membership.community, access, now=now)
            if computed[membership.community_id].needs:
                sections.append(computed[membership.community_id])
        if sections:
            queued.append(reminder_email(user, sections, key=reminder_key(user_id, day)))
    with transaction.atomic():
        outbox.queue_emails(queued)
    return len(queued)


def reminder_email(user: User, sections: list[CommunityNeeds], *, key: str):
    """The reminder, rendered in the person's language and time zone."""
    unsubscribe = emails.unsubscribe_url(user, KIND)
    context = {
        "recipient": user,
        "sections": sections,
        "need_count": sum(len(section.needs) for section in sections),
        "unsubscribe_url": unsubscribe,
    }
    with timezone.override(zone_of(user)):
        return outbox.render_outgoing(
            TEMPLATE,
            key=key,
            to=user.email,
            context=context,
            language=user.language or settings.LANGUAGE_CODE,
            headers=emails.list_headers(user, KIND, url=unsubscribe),
        )
