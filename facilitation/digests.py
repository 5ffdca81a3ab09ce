"""Member digests: what is new in a member's communities, daily or weekly, in their morning.

How a digest leaves (issue 15, DESIGN.md "The outbox"):

1. `plan_digests` (task facilitation.tasks.plan_digests, beat every 15 minutes) asks the database
   which members are due now: their digest is daily, or weekly and it is Monday, where they live;
   it is 07:00 or later there; and they have no `DigestDelivery` for that period yet. The time
   zones are grouped (one local date per zone), so that is one query whatever the members. The
   ids go to `send_digest_batch`, 50 a task.
2. `send_digests` (that task's service) builds the batch's content once: each kind of content is
   one query over all the batch's communities, then filtered in memory for each member (their
   communities, their window, what they have read). Then, in one transaction, it claims each
   member's period (a unique DigestDelivery row: a retry, a second tick or a worker racing this
   one finds it and skips), queues the emails in the outbox and marks the notifications the
   digest told as emailed. A member with nothing new gets a delivery marked `empty` and no email.
   The number of queries of a batch depends on neither its members nor their activity.

What a member gets is what they may see at send time: active memberships only, communities they
may still view, threads and posts neither hidden nor held for approval, documents not in the
trash. A section another part of Praxis adds (the curated knowledge, once it exists) registers
itself with `register_digest_section`.
"""

from __future__ import annotations

import bisect
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from assessments.selectors import digest_cycles, responded_pairs
from communities import emails
from communities.models import Community, Membership, Notification
from communities.permissions import Access, access_for
from communities.selectors import digest_new_members, digest_notifications
from core.outbox import OutgoingEmail, queue_emails, render_outgoing
from documents.selectors import digest_documents
from facilitation.models import DigestDelivery
from forums.selectors import digest_posts, digest_read_states, digest_threads

logger = logging.getLogger(__name__)

DAILY = User.DigestFrequency.DAILY
WEEKLY = User.DigestFrequency.WEEKLY
OFF = User.DigestFrequency.OFF
# A digest leaves at or after this local hour, on its period's day.
MORNING = time(7, 0)
LENGTH = {DAILY: timedelta(days=1), WEEKLY: timedelta(days=7)}
# The longest window a digest covers, in periods (after a long pause or a change of frequency).
MAX_WINDOW_PERIODS = 2
TEMPLATE = "facilitation/email/digest"  # and digest_community.*, a community's part

# How many of each thing a community's part of a digest lists (the rest is "and N more").
NEW_THREADS_SHOWN = 10
ACTIVE_THREADS_SHOWN = 5
DOCUMENTS_SHOWN = 10
MEMBERS_SHOWN = 12
NOTIFICATIONS_SHOWN = 20
SECTION_ITEMS_SHOWN = 10


# --- Periods and timing -----------------------------------------------------------------------


def zone_of(name: str) -> ZoneInfo:
    """The member's time zone; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_key(frequency: str, day: date) -> str:
    """ "daily:2026-12-07" or "weekly:2026-W50" (ISO week) for a local date."""
    if frequency == DAILY:
        return f"daily:{day.isoformat()}"
    year, week, _weekday = day.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def due_period(frequency: str, local_now: datetime) -> str | None:
    """The period whose digest is due at this local moment, None when none is (before 07:00,
    a weekly digest on any day but Monday, digests off)."""
    if frequency not in LENGTH or local_now.time() < MORNING:
        return None
    if frequency == WEEKLY and local_now.weekday() != 0:
        return None
    return period_key(frequency, local_now.date())


def _wants_digest() -> Q:
    """Members whose digest kind of email is not switched off (a missing choice is the default,
    "on")."""
    off = Q(email_preferences__has_key="digest") & Q(email_preferences__digest=emails.OFF)
    return ~off


def due_member_ids(*, now: datetime | None = None) -> list[int]:
    """The members whose digest is due at `now` and not claimed yet, in two queries: the time
    zones in use, then the members, each zone's local date worked out here."""
    now = now or timezone.now()
    candidates = User.objects.filter(is_active=True, digest_frequency__in=list(LENGTH)).filter(
        _wants_digest(),
        Exists(Membership.objects.filter(user=OuterRef("pk"), state=Membership.State.ACTIVE)),
    )
    zones = candidates.order_by().values_list("time_zone", flat=True).distinct()
    # (frequency, period) → the zones where that period is due now.
    due: dict[tuple[str, str], list[str]] = defaultdict(list)
    for zone in zones:
        local_now = now.astimezone(zone_of(zone))
        for frequency in LENGTH:
            period = due_period(frequency, local_now)
            if period:
                due[(frequency, period)].append(zone)
    if not due:
        return []
    condition = Q()
    for (frequency, period), zone_names in due.items():
        condition |= Q(digest_frequency=frequency, time_zone__in=zone_names) & ~Exists(
            DigestDelivery.objects.filter(user=OuterRef("pk"), period=period)
        )
    return list(candidates.filter(condition).order_by("pk").values_list("pk", flat=True))


# --- Sections added by other parts (the extension point) ---------------------------------------


@dataclass(frozen=True)
class DigestItem:
    """One line of a registered section: a title, its full address, when it happened."""

    title: str
    url: str
    created_at: datetime
    detail: str = ""
    # Who made it: not told to themselves as news.
    author_id: int | None = None


# Collects one section for a whole batch: (community ids, window start, window end) →
# {community id: items}. One query or a few, whatever the number of communities.
SectionCollector = Callable[[list[int], datetime, datetime], dict[int, list[DigestItem]]]


@dataclass(frozen=True)
class DigestSection:
    name: str
    label: object  # a lazy translation, told in the member's language
    collect: SectionCollector


DIGEST_SECTIONS: dict[str, DigestSection] = {}


def register_digest_section(name: str, label, collect: SectionCollector) -> None:
    """Add a section to every member's digest, per community. Registered in the owning app's
    ready(); e.g. the curated knowledge, once it exists: ("knowledge", _("Newly published
    knowledge"), a collector of the entries published in the window that every member of the
    community may see)."""
    DIGEST_SECTIONS[name] = DigestSection(name, label, collect)


# --- What one member's digest holds ------------------------------------------------------------


@dataclass(frozen=True)
class ThreadLine:
    title: str
    url: str
    new_posts: int = 0


@dataclass(frozen=True)
class CycleLine:
    title: str
    url: str
    closes_at: datetime


@dataclass
class CommunityDigest:
    community: Community
    url: str
    new_threads: list[ThreadLine] = field(default_factory=list)
    more_new_threads: int = 0
    active_threads: list[ThreadLine] = field(default_factory=list)
    documents: list[ThreadLine] = field(default_factory=list)
    more_documents: int = 0
    cycles: list[CycleLine] = field(default_factory=list)
    new_members: list[str] = field(default_factory=list)
    more_members: int = 0
    # (label, items, more) of the registered sections.
    sections: list[tuple[object, list[DigestItem], int]] = field(default_factory=list)
    # The part rendered (render_digest), as HTML and as plain text.
    html: str = ""
    text: str = ""

    def content_key(self) -> tuple:
        """Everything the part's rendering depends on, in the language being rendered: two
        members with the same key get the same part."""
        community = self.community
        return (
            community.pk,
            community.name,
            self.url,
            tuple(self.new_threads),
            self.more_new_threads,
            tuple(self.active_threads),
            tuple(self.documents),
            self.more_documents,
            tuple(self.cycles),
            tuple(self.new_members),
            self.more_members,
            tuple((str(label), tuple(items), more) for label, items, more in self.sections),
        )

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_threads
            or self.active_threads
            or self.documents
            or self.cycles
            or self.new_members
            or any(items for _label, items, _more in self.sections)
        )


@dataclass
class NotificationLine:
    notification: Notification
    url: str


@dataclass
class MemberDigest:
    user: User
    period: str
    frequency: str
    since: datetime
    until: datetime
    communities: list[CommunityDigest] = field(default_factory=list)
    notifications: list[NotificationLine] = field(default_factory=list)
    more_notifications: int = 0
    # Every pending "digest" notification, told or not: all are marked emailed with the claim.
    notification_ids: list[int] = field(default_factory=list)
    # Whether anything is news: an assessment still open but opened before `since` is listed
    # as a reminder and does not make a digest worth sending on its own.
    has_news: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.has_news


# --- Collecting a batch's content once -----------------------------------------------------


@dataclass
class _Recipient:
    user: User
    period: str
    frequency: str
    since: datetime
    until: datetime
    accesses: list[Access]


# Full addresses of what digests link to, by (model, id, community address): each is a function of
# its key (every such address is the community's and the object's id), so an entry is never
# stale; the oldest go past the size.
_URLS: OrderedDict[tuple, str] = OrderedDict()
URLS_CACHED = 20_000


def _remember(cache: OrderedDict, size: int, key: tuple, make: Callable[[], object]):
    """The value of `key` in a cache of this process, made on first use; past `size` entries
    the least recently used goes."""
    value = cache.get(key)
    if value is None:
        value = cache[key] = make()
        if len(cache) > size:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return value


class BatchContent:
    """Everything new in the communities of a batch of members, fetched in a fixed number of
    queries, then cut for each member in memory."""

    def __init__(self, recipients: list[_Recipient], *, until: datetime):
        self.until = until
        community_ids = sorted({access.community.pk for r in recipients for access in r.accesses})
        users = [r.user for r in recipients]
        start = min((r.since for r in recipients), default=until)
        self.start = start
        self.threads = digest_threads(community_ids, since=start, until=until)
        thread_ids = [thread.pk for thread in self.threads]
        # thread id → its visible posts of the window, in time order: (created_at, number, author)
        self.posts: dict[int, list[tuple[datetime, int, int | None]]] = defaultdict(list)
        for thread_id, created_at, number, author_id in digest_posts(
            community_ids, since=start, until=until
        ):
            self.posts[thread_id].append((created_at, number, author_id))
        for posts in self.posts.values():
            posts.sort()
        self.read = (
            digest_read_states([u.pk for u in users], community_ids, since=start)
            if thread_ids
            else {}
        )
        self.threads_by_community: dict[int, list] = defaultdict(list)
        for thread in self.threads:
            self.threads_by_community[thread.community_id].append(thread)
        self.documents: dict[int, list] = defaultdict(list)
        for document in digest_documents(community_ids, since=start, until=until):
            self.documents[document.community_id].append(document)
        self.cycles: dict[int, list] = defaultdict(list)
        cycles = digest_cycles(community_ids, now=until)
        for cycle in cycles:
            self.cycles[cycle.community_id].append(cycle)
        self.answered = responded_pairs(cycles, users) if cycles else set()
        self.members: dict[int, list[Membership]] = defaultdict(list)
        for membership in digest_new_members(community_ids, since=start, until=until):
            self.members[membership.community_id].append(membership)
        self.notifications: dict[int, list[Notification]] = defaultdict(list)
        for notification in digest_notifications([u.pk for u in users], until=until):
            self.notifications[notification.recipient_id].append(notification)
        self.sections: dict[str, dict[int, list[DigestItem]]] = {
            name: section.collect(community_ids, start, until) if community_ids else {}
            for name, section in DIGEST_SECTIONS.items()
        }

    def url_of(self, obj) -> str:
        """The full address of a thread, document, cycle or community (the community's
        address and the object's id make it), made once a process for each."""
        slug = obj.slug if isinstance(obj, Community) else obj.community.slug
        return _remember(
            _URLS,
            URLS_CACHED,
            (type(obj), obj.pk, slug),
            lambda: emails.full_url(obj.get_absolute_url()),
        )

    def digest_of(self, recipient: _Recipient) -> MemberDigest:
        """One member's digest, cut from the batch's content (no query)."""
        user, since = recipient.user, recipient.since
        digest = MemberDigest(
            user=user,
            period=recipient.period,
            frequency=recipient.frequency,
            since=since,
            until=recipient.until,
        )
        for access in sorted(recipient.accesses, key=lambda a: a.community.name.lower()):
            part, news = self._community_part(user, access, since)
            digest.has_news |= news
            if not part.is_empty:
                digest.communities.append(part)
        self._notifications_part(digest, recipient)
        return digest

    def _community_part(self, user: User, access: Access, since: datetime):
        community = access.community
        part = CommunityDigest(community=community, url=self.url_of(community))
        news = False
        new_threads, active = [], []
        for thread in self.threads_by_community.get(community.pk, ()):
            posts = self.posts.get(thread.pk, ())
            # The member's window: posts at or after `since`, by someone else.
            first = bisect.bisect_left(posts, (since,))
            others = [p for p in posts[first:] if p[2] != user.pk]
            if not others:
                continue
            last_read = self.read.get((user.pk, thread.pk), 0)
            if last_read >= max(number for _at, number, _author in others):
                continue  # read already: nothing to tell
            line = ThreadLine(thread.title, self.url_of(thread), len(others))
            if thread.created_at >= since and thread.author_id != user.pk:
                new_threads.append((thread.created_at, line))
            else:
                active.append(line)
        new_threads.sort(key=lambda pair: pair[0], reverse=True)
        part.new_threads = [line for _at, line in new_threads[:NEW_THREADS_SHOWN]]
        part.more_new_threads = max(len(new_threads) - NEW_THREADS_SHOWN, 0)
        active.sort(key=lambda line: line.new_posts, reverse=True)
        part.active_threads = active[:ACTIVE_THREADS_SHOWN]
        news |= bool(new_threads or active)

        documents = [
            d
            for d in self.documents.get(community.pk, ())
            if d.created_at >= since and d.uploaded_by_id != user.pk
        ]
        part.documents = [ThreadLine(d.title, self.url_of(d)) for d in documents[:DOCUMENTS_SHOWN]]
        part.more_documents = max(len(documents) - DOCUMENTS_SHOWN, 0)
        news |= bool(documents)

        if access.can("assessment.respond"):
            for cycle in self.cycles.get(community.pk, ()):
                if (cycle.pk, user.pk) in self.answered:
                    continue
                part.cycles.append(CycleLine(cycle.title, self.url_of(cycle), cycle.closes_at))
                news |= cycle.opens_at >= since

        if access.can("member.list"):
            names = [
                m.user.name
                for m in self.members.get(community.pk, ())
                if m.joined_at >= since and m.user_id != user.pk
            ]
            part.new_members = names[:MEMBERS_SHOWN]
            part.more_members = max(len(names) - MEMBERS_SHOWN, 0)
            news |= bool(names)

        for name, section in DIGEST_SECTIONS.items():
            items = [
                item
                for item in self.sections[name].get(community.pk, ())
                if item.created_at >= since and item.author_id != user.pk
            ]
            if items:
                more = max(len(items) - SECTION_ITEMS_SHOWN, 0)
                part.sections.append((section.label, items[:SECTION_ITEMS_SHOWN], more))
                news = True
        return part, news

    def _notifications_part(self, digest: MemberDigest, recipient: _Recipient) -> None:
        visible = {access.community.pk for access in recipient.accesses}
        told = []
        for notification in self.notifications.get(recipient.user.pk, ()):
            kind = emails.kind_of(notification.verb)
            if kind is None or emails.preference(recipient.user, kind) != emails.DIGEST:
                continue
            digest.notification_ids.append(notification.pk)
            if notification.read_at is not None:
                continue  # seen on the site already
            if notification.community_id is not None and notification.community_id not in visible:
                continue  # a community the member left or may no longer see
            told.append(NotificationLine(notification, emails.full_url(notification.url)))
        digest.notifications = told[:NOTIFICATIONS_SHOWN]
        digest.more_notifications = max(len(told) - NOTIFICATIONS_SHOWN, 0)
        digest.has_news |= bool(told)


# --- Sending a batch ----------------------------------------------------------------------


def _accesses_of(users: list[User]) -> dict[int, list[Access]]:
    """Each member's Access to the communities they are an active member of and may still see
    (one query)."""
    memberships = Membership.objects.filter(
        user__in=users, state=Membership.State.ACTIVE
    ).select_related("community")
    by_id = {user.pk: user for user in users}
    accesses: dict[int, list[Access]] = defaultdict(list)
    for membership in memberships:
        user = by_id[membership.user_id]
        access = access_for(user, membership.community, membership)
        if access.is_member and access.can("community.view"):
            accesses[user.pk].append(access)
    return accesses


def _last_until(users: list[User]) -> dict[int, datetime]:
    """When each member's previous real digest ended (one query)."""
    rows = (
        DigestDelivery.objects.filter(user__in=users, is_test=False)
        .values("user_id")
        .annotate(last=Max("until"))
        .order_by()
    )
    return {row["user_id"]: row["last"] for row in rows}


def _recipients(users: list[User], *, now: datetime, test: bool) -> list[_Recipient]:
    """The members of the batch whose digest is due and not claimed, each with their window."""
    planned: list[tuple[User, str, str]] = []
    for user in users:
        frequency = user.digest_frequency
        if test:
            # A test digest covers what a real one would; "test:" keeps the real period free.
            frequency = frequency if frequency in LENGTH else WEEKLY
            planned.append((user, frequency, f"test:{int(now.timestamp() * 1000)}"))
            continue
        if emails.preference(user, "digest") == emails.OFF:
            continue
        period = due_period(frequency, now.astimezone(zone_of(user.time_zone)))
        if period:
            planned.append((user, frequency, period))
    if not planned:
        return []
    claimed = set(
        DigestDelivery.objects.filter(
            user__in=[user for user, _f, _p in planned],
            period__in={period for _u, _f, period in planned},
        ).values_list("user_id", "period")
    )
    planned = [(u, f, p) for u, f, p in planned if (u.pk, p) not in claimed]
    if not planned:
        return []
    users = [user for user, _f, _p in planned]
    last = _last_until(users)
    accesses = _accesses_of(users)
    recipients = []
    for user, frequency, period in planned:
        since = last.get(user.pk) or now - LENGTH[frequency]
        # A member back after months without digests hears of the last two periods, not of
        # everything since (nor do the batch's queries read months of posts).
        since = max(since, now - MAX_WINDOW_PERIODS * LENGTH[frequency])
        # A digest asked for twice within a period covers at least a period (a test digest).
        since = min(since, now - LENGTH[frequency]) if test else since
        recipients.append(
            _Recipient(user, period, frequency, since, now, accesses.get(user.pk, []))
        )
    return recipients


# Community parts rendered, by language, time zone and content (CommunityDigest.content_key): the
# members of a community mostly get the same part, rendered once a process. A part is a pure
# function of its key, so an entry is never stale; the oldest are dropped past the size.
_PARTS: OrderedDict[tuple, tuple[str, str]] = OrderedDict()
PARTS_CACHED = 2000


def _render_part(part: CommunityDigest, language: str, zone: ZoneInfo) -> None:
    """Fill in the part's HTML and text, from the cache when a member before had the same."""
    with translation.override(language), timezone.override(zone):
        context = {"part": part}
        part.html, part.text = _remember(
            _PARTS,
            PARTS_CACHED,
            (language, zone.key, part.content_key()),
            lambda: (
                render_to_string(f"{TEMPLATE}_community.html", context),
                render_to_string(f"{TEMPLATE}_community.txt", context, using="text"),
            ),
        )


def render_digest(digest: MemberDigest, *, is_test: bool = False) -> OutgoingEmail:
    """The digest's email, in the member's language and time zone."""
    user = digest.user
    language = user.language or settings.LANGUAGE_CODE
    zone = zone_of(user.time_zone)
    for part in digest.communities:
        _render_part(part, language, zone)
    unsubscribe = emails.unsubscribe_url(user, "digest")
    context = {
        "digest": digest,
        "user": user,
        "is_test": is_test,
        "is_daily": digest.frequency == DAILY,
        "unsubscribe_url": unsubscribe,
    }
    with timezone.override(zone):
        return render_outgoing(
            TEMPLATE,
            key=digest_key(user.pk, digest.period),
            to=user.email,
            context=context,
            language=language,
            headers=emails.list_headers(user, "digest", url=unsubscribe),
        )


def digest_key(user_id: int, period: str) -> str:
    """The outbox key of a member's digest for a period."""
    return f"digest:{user_id}:{period}"


def send_digests(
    user_ids: Iterable[int],
    *,
    now: datetime | None = None,
    test: bool = False,
    send_here: bool = False,
) -> int:
    """Claim, build and queue the digests due to these members (≤ 50); returns how many emails
    were queued. Safe to run twice: a member whose period is claimed already is skipped.

    With `test`, each member gets a test digest now, whatever the time and their settings,
    under its own period ("test:<milliseconds>"), sent even when there is nothing new; the
    notifications it lists stay for the real digest.

    With `send_here` (the batch task on a worker), this process sends the emails once they are
    in the outbox, rather than handing them to outbox tasks (core.outbox.queue_emails).
    """
    now = now or timezone.now()
    users = list(User.objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk"))
    recipients = _recipients(users, now=now, test=test)
    if not recipients:
        return 0
    content = BatchContent(recipients, until=now)
    digests: list[tuple[MemberDigest, OutgoingEmail | None]] = []
    for recipient in recipients:
        # One member's bad data (a template error) must not stop the others' digests: that
        # member is left unclaimed, so the next tick tries again.
        try:
            digest = content.digest_of(recipient)
            email = None if digest.is_empty and not test else render_digest(digest, is_test=test)
        except Exception:
            logger.exception("could not build the digest of member %s", recipient.user.pk)
            continue
        digests.append((digest, email))
    return _claim_and_queue(digests, now=now, test=test, send_here=send_here)


def _claim_and_queue(
    digests: list[tuple[MemberDigest, OutgoingEmail | None]],
    *,
    now: datetime,
    test: bool,
    send_here: bool,
) -> int:
    """In one transaction: claim each member's period, queue the emails of the claims won and
    mark the notifications they told as emailed."""
    if not digests:
        return 0
    # This run's mark: the claims it inserts carry it, so it reads back which ones it won (a
    # claim already there, or inserted by a racing worker, is left alone by ignore_conflicts).
    stamp = timezone.now()
    with transaction.atomic():
        DigestDelivery.objects.bulk_create(
            [
                DigestDelivery(
                    user=digest.user,
                    period=digest.period,
                    frequency=digest.frequency,
                    since=digest.since,
                    until=digest.until,
                    created_at=stamp,
                    email_key=email.key if email else "",
                    empty=email is None,
                    is_test=test,
                )
                for digest, email in digests
            ],
            ignore_conflicts=True,
        )
        won = set(
            DigestDelivery.objects.filter(
                user__in=[digest.user for digest, _email in digests],
                period__in={digest.period for digest, _email in digests},
                created_at=stamp,
            ).values_list("user_id", "period")
        )
        won_digests = [(d, e) for d, e in digests if (d.user.pk, d.period) in won]
        if not test:
            told = [pk for digest, _email in won_digests for pk in digest.notification_ids]
            if told:
                Notification.objects.filter(pk__in=told, emailed_at__isnull=True).update(
                    emailed_at=now
                )
        queued = queue_emails(
            [email for _digest, email in won_digests if email is not None], send_here=send_here
        )
    return len(queued)


def send_test_digest(user: User, *, now: datetime | None = None) -> bool:
    """Build and queue a test digest for this person now (the preferences page's button);
    True when it was queued."""
    return send_digests([user.pk], now=now, test=True) > 0


__all__ = [
    "DIGEST_SECTIONS",
    "DigestItem",
    "MemberDigest",
    "digest_key",
    "due_member_ids",
    "due_period",
    "period_key",
    "register_digest_section",
    "send_digests",
    "send_test_digest",
]
