"""The three logs every tool writes into: activity, notifications, audit."""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from accounts.models import User
from communities import events
from communities.models import Activity, AuditEvent, Community, Notification


def record_activity(
    community: Community,
    actor: User | None,
    verb: str,
    target: models.Model | None = None,
    *,
    summary: str = "",
    url: str = "",
) -> Activity:
    """Note that something members care about happened; the feed and digests read it.

    `verb` is a declared event with a feed text (communities.events). With a target, no text of
    it is stored: readers name the target as it is when they look (communities.activity).
    `summary` is for events without a target.
    """
    events.require(verb, has="feed")
    if not url and target is not None and hasattr(target, "get_absolute_url"):
        url = target.get_absolute_url()
    return Activity.objects.create(
        community=community,
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        summary="" if target is not None else summary[:300],
        url=url[:500],
    )


def notify(recipient: User, verb: str, **fields) -> Notification:
    """Tell one person something.

    `verb` is a declared event with a notice (communities.events); the notification keeps the
    event and its parameters, and is told when read, in the reader's language and time zone.
    Takes the arguments of `notify_many`.
    """
    [notification] = notify_many([recipient], verb, **fields)
    return notification


def notify_many(
    recipients: Iterable[User],
    verb: str,
    *,
    url: str = "",
    community: Community | None = None,
    actor: User | None = None,
    target: str = "",
    **params,
) -> list[Notification]:
    """Tell people the same thing, in one insert however many (a cycle opening tells every
    member)."""
    events.require(verb, has="notice")
    stored = events.store_params(params)
    rows = [
        Notification(
            recipient=recipient,
            community=community,
            actor=actor,
            verb=verb,
            params=stored,
            url=url[:500],
            target=target,
        )
        for recipient in recipients
    ]
    return Notification.objects.bulk_create(rows, batch_size=500)


def notify_collapsed(
    recipient: User,
    verb: str,
    *,
    url: str,
    community: Community | None = None,
    actor: User | None = None,
    target: str = "",
    **params,
) -> Notification:
    """Like notify, but while the person has an unread notification of this verb and url, that
    one is updated ("3 new replies in …") instead of a new one piling up.
    """
    events.require(verb, has="notice")
    unread = (
        Notification.objects.select_for_update()
        .filter(recipient=recipient, verb=verb, url=url[:500], read_at__isnull=True)
        .first()
    )
    if unread is None:
        return notify(
            recipient,
            verb,
            url=url,
            community=community,
            actor=actor,
            target=target,
            **params,
        )
    unread.count = unread.count + 1
    unread.params = events.store_params(params)
    unread.actor = actor
    unread.created_at = timezone.now()
    # News the email already told is news again: it goes out by email (or in the digest) anew.
    unread.emailed_at = None
    unread.save(update_fields=["count", "params", "actor", "created_at", "emailed_at"])
    return unread


def target_key(target: models.Model) -> str:
    """How activities and notifications name what they are about: "forums.post:42"."""
    return f"{target._meta.label_lower}:{target.pk}"


def set_target_hidden(*targets: models.Model, hidden: bool) -> None:
    """Hide (or show again) the activities and notifications about things moderation hid, so
    they leak through neither the feed nor anyone's notifications. Two queries per model,
    however many targets."""
    by_model: dict[type, list[models.Model]] = {}
    for target in targets:
        by_model.setdefault(type(target), []).append(target)
    for model, items in by_model.items():
        Activity.objects.filter(
            target_type=ContentType.objects.get_for_model(model),
            target_id__in=[item.pk for item in items],
        ).update(is_hidden=hidden)
        Notification.objects.filter(target__in=[target_key(item) for item in items]).update(
            is_hidden=hidden
        )


def audit(
    actor: User | None,
    community: Community | None,
    action: str,
    target: models.Model | None = None,
    *,
    details: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one row to the audit log (never changed or deleted afterwards); `action` is a
    declared event (communities.events)."""
    events.require(action)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.email if actor is not None else "",
        community=community,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        details=details or {},
        ip=ip,
    )
