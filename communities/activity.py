"""How each kind of activity reads in the feed; tools register the targets they point at.

Nothing a member wrote is frozen into the log: an Activity row keeps the event, the actor and a
pointer to its target, and the line a reader sees is rendered when it is shown, from the
target's current state. A renamed thread or document shows its new title; a hidden thread, a
trashed document or a removed one shows no line at all. Each tool registers, for the models it
points activities at, a function naming them now (`register_activity_target`); the feed asks it
once per kind of target on a page, so a page costs the same number of queries at any length.
"""

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import events
from communities.models import Activity, Community

FALLBACK = _("%(actor)s: %(target)s")

# ids → {id: what the target is called now}, leaving out the ids no longer shown to anyone.
TargetLabels = Callable[[Iterable[int]], dict[int, str]]
TARGET_LABELS: dict[type[models.Model], TargetLabels] = {}


def register_activity_target(model: type[models.Model], labels: TargetLabels) -> None:
    """Teach the feed how to name a tool's targets as they are now (and which are gone)."""
    TARGET_LABELS[model] = labels


def _people(ids: Iterable[int]) -> dict[int, str]:
    return {person.pk: person.name for person in User.objects.filter(pk__in=ids)}


def _communities(ids: Iterable[int]) -> dict[int, str]:
    return dict(Community.objects.filter(pk__in=ids).values_list("pk", "name"))


register_activity_target(User, _people)
register_activity_target(Community, _communities)


def with_current_targets(activities: Iterable[Activity]) -> list[Activity]:
    """The activities still worth showing, each with `target_label` naming its target as it is
    now; one query per kind of target. An activity whose target is gone or no longer shown is
    left out."""
    activities = list(activities)
    wanted: dict[int, set[int]] = {}
    for item in activities:
        if item.target_type_id is not None and item.target_id is not None:
            wanted.setdefault(item.target_type_id, set()).add(item.target_id)
    labels: dict[int, dict[int, str] | None] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        resolve = TARGET_LABELS.get(model)
        labels[type_id] = resolve(ids) if resolve is not None else None
    shown = []
    for item in activities:
        known = labels.get(item.target_type_id) if item.target_id is not None else None
        if known is None:
            item.target_label = item.summary
        elif item.target_id in known:
            item.target_label = known[item.target_id]
        else:
            continue
        shown.append(item)
    return shown


def describe(activity: Activity) -> str:
    """One line of the feed, in the reader's language."""
    actor = activity.actor.name if activity.actor_id else str(_("Someone"))
    target = getattr(activity, "target_label", activity.summary)
    event = events.EVENTS.get(activity.verb)
    text = event.feed if event is not None and event.feed is not None else FALLBACK
    return str(text) % {"actor": actor, "target": target}
