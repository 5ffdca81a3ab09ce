"""Notification emails: which notifications are told by email, grouped, once; and each person's
choices about them (the preferences page, the unsubscribe link).

A notification waits (`emailed_at` empty) until the periodic task `email_notifications` (every
minute) decides about it:

- its kind (communities.emails, from its event) chosen "immediate": told in one email with the
  person's other pending ones, once the oldest of them is GROUP_WINDOW old, so a busy thread
  makes one email, not twenty;
- "digest": left for the digest, which marks it when it includes it;
- "off", already read in the app, or its event not mapped to any kind (in-app only, a
  notification written before emails existed for its app): marked without an email;
- about a community the person may no longer see at send time (left, suspended, a private
  community they never joined): marked without an email, except the notices about their own
  standing (a join request declined, a suspension, a new role), which say nothing but the
  community's name and are what the person most needs to hear;
- hidden (moderation hid what it is about): left alone, and told if it is shown again.

The email (one per person and tick) and the marking of the notifications it tells are written in
one transaction under the outbox key `notifications:<person>:<smallest notification id>`: a retried
batch or a second tick finds nothing left to tell.

A notification with no community (none is written today) is told like any other: there is no
community whose privacy could forbid it.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import ngettext

from accounts.models import User, validate_time_zone
from communities import emails
from communities.events import CommunityEvent
from communities.models import Membership, Notification
from communities.permissions import may_email_about
from core.outbox import next_key, queue_emails, render_outgoing

logger = logging.getLogger(__name__)

# How long the first of a person's pending notifications waits for others to join it.
GROUP_WINDOW = timedelta(minutes=5)
TEMPLATE = "communities/email/notifications"
KEY_PREFIX = "notifications"

# Notices about the person's own standing in a community: told even when they may no longer see
# it (a declined request, a suspension), since they tell nothing of its content.
STANDING_EVENTS = frozenset(
    {
        CommunityEvent.JOIN_REQUEST_APPROVE,
        CommunityEvent.JOIN_REQUEST_DECLINE,
        CommunityEvent.MEMBER_ROLE,
        CommunityEvent.MEMBER_SUSPEND,
        CommunityEvent.MEMBER_REINSTATE,
        CommunityEvent.MEMBER_SILENCE,
        CommunityEvent.MEMBER_UNSILENCE,
    }
)


# --- Who is due -----------------------------------------------------------------------------


def _decided_now() -> Q:
    """The pending notifications this task decides about (not those waiting for the digest),
    in SQL: the person's choice is read from their JSON preferences, a missing key meaning
    the kind's default."""
    verbs_of: dict[str, list[str]] = defaultdict(list)
    for event, kind in emails.KIND_OF_EVENT.items():
        verbs_of[kind].append(event)
    decided = Q(read_at__isnull=False) | ~Q(verb__in=list(emails.KIND_OF_EVENT))
    for kind, verbs in verbs_of.items():
        chosen = Q(**{f"recipient__email_preferences__{kind}__in": [emails.IMMEDIATE, emails.OFF]})
        if emails.KINDS[kind].default != emails.DIGEST:
            chosen |= ~Q(recipient__email_preferences__has_key=kind)
        decided |= Q(verb__in=verbs) & chosen
    return decided


def recipients_due(*, now: datetime | None = None) -> list[int]:
    """The people with a notification to tell (or to mark) whose oldest pending one is at least
    GROUP_WINDOW old. One query, on the partial index of pending notifications."""
    cutoff = (now or timezone.now()) - GROUP_WINDOW
    return list(
        Notification.objects.filter(emailed_at__isnull=True, is_hidden=False)
        .filter(_decided_now())
        .values("recipient_id")
        .annotate(oldest=Min("created_at"))
        .filter(oldest__lte=cutoff)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
    )


# --- One batch ------------------------------------------------------------------------------


def email_notifications_to(user_ids: list[int], *, now: datetime | None = None) -> int:
    """Queue the grouped notification email of each of these people whose notifications are
    due, and mark what each email tells; returns how many emails were queued.

    Two queries for the batch and five a person, however many notifications each has.
    """
    now = now or timezone.now()
    people = list(User.objects.filter(pk__in=user_ids).order_by("pk"))
    memberships = {
        (membership.user_id, membership.community_id): membership
        for membership in Membership.objects.filter(user_id__in=[p.pk for p in people])
    }
    queued = 0
    for person in people:
        try:
            queued += _email_person(person, memberships, now=now)
        except Exception:
            # One person's failure (a template, a bad stored value) does not cost the others
            # their email: theirs stays pending and is tried again at the next tick.
            logger.exception("notification email for user %s failed", person.pk)
    return queued


def _may_tell(person: User, notification: Notification, memberships: dict) -> bool:
    if not person.is_active or not person.email:
        return False
    community = notification.community
    if community is None or notification.verb in STANDING_EVENTS:
        return True
    return may_email_about(person, community, memberships.get((person.pk, community.pk)))


@transaction.atomic
def _email_person(person: User, memberships: dict, *, now: datetime) -> int:
    """Queue one person's email (1) or nothing (0), and mark what was decided."""
    pending = list(
        Notification.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(recipient=person, emailed_at__isnull=True, is_hidden=False)
        # Those waiting for the digest are neither read nor locked (the digest takes them).
        .filter(_decided_now())
        .order_by("created_at", "pk")
    )
    settled: list[Notification] = []  # decided without an email
    to_tell: list[tuple[Notification, str]] = []
    for notification in pending:
        kind = emails.kind_of(notification.verb)
        if notification.read_at is not None or kind is None:
            settled.append(notification)
            continue
        choice = emails.preference(person, kind)
        if choice == emails.DIGEST:
            continue
        if choice == emails.OFF or not _may_tell(person, notification, memberships):
            settled.append(notification)
        else:
            to_tell.append((notification, kind))
    # Within the window the others may still join the first: they wait for a later tick.
    if to_tell and to_tell[0][0].created_at > now - GROUP_WINDOW:
        to_tell = []
    queued = 0
    if to_tell:
        email = _render(person, to_tell)
        if not queue_emails([email]):
            # The key is taken only when a notification already told is pending again (a
            # collapsed one told "3 new replies" since): that is news, under the next key.
            queue_emails([replace(email, key=next_key(email.key + ":"))])
        queued = 1
    marked = [n.pk for n in settled] + [n.pk for n, _kind in to_tell]
    if marked:
        Notification.objects.filter(pk__in=marked).update(emailed_at=now)
    return queued


def _zone(person: User):
    try:
        return zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _full_url(url: str) -> str:
    return emails.full_url(url or reverse("notifications"))


def _render(person: User, to_tell: list[tuple[Notification, str]]):
    notifications = [n for n, _kind in to_tell]
    kinds = Counter(kind for _n, kind in to_tell)
    # The header unsubscribes from the kind most of the email is about (the first of equals);
    # the footer offers it only when the whole email is of that one kind.
    kind = kinds.most_common(1)[0][0]
    single_kind = len(kinds) == 1
    unsubscribe = emails.unsubscribe_url(person, kind)
    headers = emails.list_headers(person, kind, url=unsubscribe)
    if len(notifications) == 1:
        reply_to = emails.reply_address(person, notifications[0])
        if reply_to:
            headers["Reply-To"] = reply_to
    communities = {n.community.name for n in notifications if n.community is not None}
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(_zone(person)):
        items = [
            {
                "text": n.text,
                "url": _full_url(n.url),
                "community": n.community.name if n.community is not None else "",
            }
            for n in notifications
        ]
        if len(items) == 1:
            subject = Truncator(items[0]["text"]).chars(150)
        elif len(communities) == 1:
            subject = ngettext(
                "%(count)s new notification in %(community)s",
                "%(count)s new notifications in %(community)s",
                len(items),
            ) % {"count": len(items), "community": next(iter(communities))}
        else:
            subject = ngettext(
                "%(count)s new notification", "%(count)s new notifications", len(items)
            ) % {"count": len(items)}
        context = {
            "person": person,
            "subject": subject,
            "items": items,
            "one_community": len(communities) <= 1,
            "notifications_url": emails.full_url(reverse("notifications")),
            "unsubscribe_url": unsubscribe if single_kind else "",
            "kind_label": str(emails.KINDS[kind].label),
        }
        return render_outgoing(
            TEMPLATE,
            key=f"{KEY_PREFIX}:{person.pk}:{min(n.pk for n in notifications)}",
            to=person.email,
            context=context,
            language=language,
            headers=headers,
        )


# --- A person's choices ---------------------------------------------------------------------


def shown_kinds(*, facilitator: bool) -> list[emails.EmailKind]:
    """The kinds a person chooses on the preferences page: the facilitators' kinds only for
    those who facilitate somewhere; the digest by its frequency, not as a kind."""
    return [
        kind
        for kind in emails.KINDS.values()
        if kind.name != "digest" and (facilitator or kind.audience != emails.FACILITATORS)
    ]


@transaction.atomic
def set_email_preferences(
    user: User,
    *,
    actor: User,
    preferences: dict[str, str],
    digest_frequency: str | None = None,
    time_zone: str | None = None,
    language: str | None = None,
) -> list[str]:
    """Save a person's email choices (per kind, digest frequency, time zone, language); returns
    the fields changed. Kinds not given keep their choice."""
    if actor.pk != user.pk:
        raise PermissionDenied("Only the person chooses their emails.")
    chosen = dict(user.email_preferences or {})
    for name, value in preferences.items():
        kind = emails.KINDS.get(name)
        if kind is None or value not in {choice for choice, _label in kind.choices}:
            raise ValidationError(f"{value!r} is not a choice for {name!r}.")
        chosen[name] = value
    changes: dict[str, object] = {}
    if digest_frequency is not None:
        if digest_frequency not in User.DigestFrequency.values:
            raise ValidationError(f"{digest_frequency!r} is not a digest frequency.")
        changes["digest_frequency"] = digest_frequency
        # The frequency is the one switch of the digest: an old "off" from elsewhere must not
        # silently outlive a frequency chosen on the page.
        if digest_frequency != User.DigestFrequency.OFF:
            chosen.pop("digest", None)
    if time_zone is not None:
        validate_time_zone(time_zone)
        changes["time_zone"] = time_zone
    if language is not None:
        if language and language not in {code for code, _name in settings.LANGUAGES}:
            raise ValidationError(f"{language!r} is not a language of this site.")
        changes["language"] = language
    changes["email_preferences"] = chosen
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=changed)
    return changed


@transaction.atomic
def unsubscribe(user: User, *, kind: str) -> bool:
    """Stop one kind of email for a person (the link in every email, RFC 8058); nothing else
    changes. False when it was already off."""
    if kind not in emails.KINDS:
        raise ValidationError(f"{kind!r} is not a kind of email.")
    if kind == "digest":
        if user.digest_frequency == User.DigestFrequency.OFF:
            return False
        user.digest_frequency = User.DigestFrequency.OFF
        user.save(update_fields=["digest_frequency"])
        return True
    if emails.preference(user, kind) == emails.OFF:
        return False
    user.email_preferences = {**(user.email_preferences or {}), kind: emails.OFF}
    user.save(update_fields=["email_preferences"])
    return True
