"""How each kind of activity reads in the feed; tools register their own verbs."""

from django.utils.translation import gettext_lazy as _

from communities.models import Activity

ACTIVITY_TEXTS = {
    "community.created": _("%(actor)s created the community"),
    "member.joined": _("%(actor)s joined the community"),
    "member.role_changed": _("%(actor)s changed the role of %(target)s"),
}
FALLBACK = _("%(actor)s: %(target)s")


def register_activity_verb(verb: str, text) -> None:
    """Teach the feed a tool's verb, e.g. ("thread.created", _("%(actor)s started %(target)s"))."""
    ACTIVITY_TEXTS[verb] = text


def describe(activity: Activity) -> str:
    """One line of the feed, in the reader's language."""
    actor = activity.actor.name if activity.actor_id else str(_("Someone"))
    return str(ACTIVITY_TEXTS.get(activity.verb, FALLBACK)) % {
        "actor": actor,
        "target": activity.summary,
    }
