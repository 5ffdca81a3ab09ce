"""A community's members and activity as CSV files, for its facilitators.

The rows are read in chunks (`iterator()`), so an export costs the same handful of queries and
the same memory whatever the community's size, and the file is streamed as it is written. The
text is UTF-8 with a byte-order mark, so spreadsheet applications read accents right, and any
cell a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe, so a member's name cannot run code on a facilitator's computer.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities import events
from communities.activity import TARGET_LABELS
from communities.models import Activity, Community, Membership
from communities.services import audit
from facilitation.events import FacilitationEvent

CHUNK_SIZE = 500
# The window of the members export's "contributions" column.
CONTRIBUTION_DAYS = 90
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell as written to the file: text a spreadsheet would read as a formula is defused
    with a leading apostrophe; numbers pass as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """The file-like object csv.writer writes one line into, handing the line back."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[bytes]:
    """The encoded lines of a CSV file: the byte-order mark, the header, then each row."""
    writer = csv.writer(_Line())
    yield (BOM + writer.writerow([safe_cell(cell) for cell in header])).encode()
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row]).encode()


def utc_iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


def filename(community: Community, what: str) -> str:
    """<slug>-<what>-YYYY-MM-DD.csv (the slug is letters, digits and dashes only)."""
    return f"{community.slug}-{what}-{timezone.localdate().isoformat()}.csv"


# --- Members ----------------------------------------------------------------------------------


def members_for_export(community: Community, *, now: datetime | None = None) -> QuerySet:
    """The community's memberships with the person, their last activity in the community and
    how many things they did there in the last CONTRIBUTION_DAYS days (one query)."""
    since = (now or timezone.now()) - timedelta(days=CONTRIBUTION_DAYS)
    theirs = Activity.objects.filter(community=community, actor=OuterRef("user_id"))
    last_activity = theirs.order_by("-created_at").values("created_at")[:1]
    contributions = (
        theirs.filter(created_at__gte=since, is_hidden=False)
        .order_by()
        .values("actor")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Membership.objects.filter(community=community)
        .select_related("user")
        .only(
            "role",
            "state",
            "joined_at",
            "user__display_name",
            "user__email",
            "user__handle",
            "user__organization",
            "user__discipline",
            "user__sector",
        )
        .annotate(
            last_activity_at=Subquery(last_activity),
            contributions=Coalesce(Subquery(contributions), 0, output_field=IntegerField()),
        )
        .order_by("joined_at", "pk")
    )


def members_header() -> list[str]:
    return [
        _("Name"),
        _("Mention name"),
        _("Organization"),
        _("Discipline"),
        _("Sector"),
        _("Role"),
        _("State"),
        _("Joined"),
        _("Last activity in the community (UTC)"),
        _("Contributions in the last %(days)s days") % {"days": CONTRIBUTION_DAYS},
    ]


def members_rows(memberships: QuerySet) -> Iterator[list[object]]:
    sectors = dict(User.Sector.choices)
    roles = dict(Membership.Role.choices)
    states = dict(Membership.State.choices)
    for membership in memberships.iterator(chunk_size=CHUNK_SIZE):
        person = membership.user
        yield [
            person.name,
            person.handle,
            person.organization,
            person.discipline,
            str(sectors.get(person.sector, person.sector)),
            str(roles.get(membership.role, membership.role)),
            str(states.get(membership.state, membership.state)),
            membership.joined_at.astimezone(UTC).date().isoformat(),
            utc_iso(membership.last_activity_at),
            membership.contributions,
        ]


def members_csv(community: Community) -> Iterator[bytes]:
    """The members export, line by line."""
    return csv_lines(members_header(), members_rows(members_for_export(community)))


# --- Activity ---------------------------------------------------------------------------------


def parse_since(value: str | None) -> date | None:
    """?since=YYYY-MM-DD as a date; None when absent; ValueError when malformed."""
    if value is None or value == "":
        return None
    if len(value) != 10:
        raise ValueError(value)
    return date.fromisoformat(value)


def activity_for_export(community: Community, *, since: date | None = None) -> QuerySet:
    """What happened in the community, oldest first, from the start of `since` (UTC);
    activities about what moderation hid are left out, as in the feed."""
    activities = (
        Activity.objects.filter(community=community, is_hidden=False)
        .select_related("actor")
        .only(
            "created_at",
            "verb",
            "summary",
            "url",
            "target_type_id",
            "target_id",
            "actor__display_name",
            "actor__email",
        )
        .order_by("created_at", "pk")
    )
    if since is not None:
        activities = activities.filter(created_at__gte=datetime.combine(since, time.min, UTC))
    return activities


def activity_header() -> list[str]:
    return [_("Time (UTC)"), _("Person"), _("Event code"), _("Event"), _("Summary"), _("Link")]


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _target_labels(chunk: list[Activity]) -> dict[tuple[int, int], str]:
    """What each activity of a chunk is about, as its target is called now (one query per kind
    of target in the chunk)."""
    wanted: dict[int, set[int]] = {}
    for item in chunk:
        if item.target_type_id is not None and item.target_id is not None:
            wanted.setdefault(item.target_type_id, set()).add(item.target_id)
    labels = {}
    for type_id, ids in wanted.items():
        resolve = TARGET_LABELS.get(ContentType.objects.get_for_id(type_id).model_class())
        if resolve is None:
            continue
        for target_id, label in resolve(ids).items():
            labels[(type_id, target_id)] = label
    return labels


def activity_rows(
    activities: QuerySet, *, absolute: Callable[[str], str] = str
) -> Iterator[list[object]]:
    """One row per activity; `absolute` turns a path into a full address."""
    for chunk in _chunks(activities.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        labels = _target_labels(chunk)
        for item in chunk:
            summary = labels.get((item.target_type_id, item.target_id), item.summary)
            yield [
                utc_iso(item.created_at),
                item.actor.name if item.actor is not None else "",
                item.verb,
                events.label(item.verb),
                summary,
                absolute(item.url) if item.url else "",
            ]


def activity_csv(
    community: Community, *, since: date | None = None, absolute: Callable[[str], str] = str
) -> Iterator[bytes]:
    """The activity export, line by line."""
    rows = activity_rows(activity_for_export(community, since=since), absolute=absolute)
    return csv_lines(activity_header(), rows)


# --- The record of who exported what ------------------------------------------------------------


def record_export(
    community: Community, *, actor: User, what: str, details: dict | None = None, ip=None
) -> None:
    """Note in the audit log that a facilitator took a copy of the members or the activity."""
    action = {
        "members": FacilitationEvent.EXPORT_MEMBERS,
        "activity": FacilitationEvent.EXPORT_ACTIVITY,
    }[what]
    audit(actor, community, action, details=details, ip=ip)
