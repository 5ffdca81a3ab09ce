"""The event vocabulary: every audit action, feed verb and notification, declared once.

Each app declares the events it writes as a `TextChoices` in its own `events.py`
(`CommunityEvent` below, `forums.events.ForumEvent`, `documents.events.DocumentEvent`): the
value names the thing and what was done to it, in the imperative (`post.hide`,
`member.join`), and the label says it in the reader's language ("Post hidden"). The app
registers them in `ready()` with `register_events`, adding for the events members see in the
feed how the feed tells them, and for those that reach someone as a notification, the notice
(and the notice that stands for several, when unread ones collapse).

`audit()`, `record_activity()` and `notify()` (communities.services.logs) refuse a value that no
app declared, so a misspelt event fails where it is written instead of leaving a row nobody can
read. Rows store the event and its parameters, never a sentence: audit rows, the feed and
notifications are told when they are read, in the reader's language, with dates in the reader's
time zone (`notice_text`, `describe_details`). Digests and the dashboard read them the same way.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# A notice is a translatable text with %(name)s placeholders, or a function choosing one from
# the notification's parameters (a decline with or without the facilitator's reply).
Notice = Promise | Callable[[Mapping[str, object]], Promise]


class UnknownEvent(ValueError):
    """A value no app declared (or declared without the text this log needs)."""


@dataclass(frozen=True)
class Event:
    code: str
    label: Promise
    feed: Promise | None = None
    notice: Notice | None = None
    # The notice for several collapsed into one, given %(count)s as well.
    notices: Notice | None = None


EVENTS: dict[str, Event] = {}


def register_events(
    choices: type[models.TextChoices],
    *,
    feed: Mapping[str, Promise] | None = None,
    notices: Mapping[str, Notice | tuple[Notice, Notice]] | None = None,
) -> None:
    """Declare an app's events (called from its `ready()`).

    `feed` maps an event to how the activity feed tells it ("%(actor)s started “%(target)s”");
    `notices` maps an event to its notice, or to (one, many) for notices that collapse.
    """
    feed = dict(feed or {})
    notices = dict(notices or {})
    declared = {member.value for member in choices}
    stray = (set(feed) | set(notices)) - declared
    if stray:
        raise ImproperlyConfigured(f"{choices.__name__} does not declare {sorted(stray)}")
    for member in choices:
        code = member.value
        if code in EVENTS and EVENTS[code].label != member.label:
            raise ImproperlyConfigured(f"Event {code!r} is declared twice.")
        notice = notices.get(code)
        one, many = notice if isinstance(notice, tuple) else (notice, None)
        EVENTS[code] = Event(code, member.label, feed.get(code), one, many)


def require(code: str, *, has: str = "") -> Event:
    """The declared event `code`; UnknownEvent when no app declared it (or, with `has`, when it
    has no `feed` / `notice` text)."""
    event = EVENTS.get(code)
    if event is None:
        raise UnknownEvent(f"{code!r} is not a declared event: declare it in its app's events.py.")
    if has and getattr(event, has) is None:
        raise UnknownEvent(f"The event {code!r} declares no {has} text.")
    return event


def label(code: str) -> str:
    """What the event is called in the reader's language (the code itself when unknown)."""
    event = EVENTS.get(code)
    return str(event.label) if event is not None else code


def choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs, by label, for a filter's select."""
    return sorted(((code, label(code)) for code in codes), key=lambda pair: pair[1].casefold())


# --- Parameters ------------------------------------------------------------------------------
# Stored as JSON. A translatable text (a role's label) is stored as its source text and
# translated when read; a moment is stored as ISO 8601 and shown in the reader's time zone.


def store_params(params: Mapping[str, object]) -> dict:
    stored = {}
    for key, value in params.items():
        if isinstance(value, Promise):
            with translation.override(None):
                stored[key] = {"text": str(value)}
        elif isinstance(value, datetime):
            stored[key] = {"moment": value.isoformat()}
        elif value is None or isinstance(value, bool | int | float):
            stored[key] = value
        else:
            stored[key] = str(value)
    return stored


def read_params(stored: Mapping[str, object]) -> dict[str, str]:
    """The parameters as the current reader reads them."""
    values = {}
    for key, value in stored.items():
        if isinstance(value, dict) and "text" in value:
            values[key] = gettext(value["text"]) if value["text"] else ""
        elif isinstance(value, dict) and "moment" in value:
            values[key] = when(value["moment"])
        else:
            values[key] = "" if value is None else str(value)
    return values


def when(moment: str | datetime) -> str:
    """A moment in the reader's time zone and date format (as given when it does not parse)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- Telling ---------------------------------------------------------------------------------


def _pick(notice: Notice, values: Mapping[str, object]) -> Promise:
    return notice(values) if callable(notice) else notice


def notice_text(code: str, stored: Mapping[str, object] | None, *, count: int = 1) -> str:
    """A notification's sentence in the current language ("" when the event is unknown)."""
    event = EVENTS.get(code)
    if event is None or event.notice is None:
        return ""
    values = read_params(stored or {})
    notice = event.notices if count > 1 and event.notices is not None else event.notice
    values["count"] = str(count)
    try:
        return str(_pick(notice, values)) % values
    except (KeyError, ValueError, TypeError):
        # A parameter missing from an old row: say what happened without the details.
        return str(event.label)


DETAIL_LABELS = {
    "reason": pgettext_lazy("audit detail", "Reason"),
    "until": pgettext_lazy("audit detail", "Until"),
    "role": pgettext_lazy("audit detail", "Role"),
    "from": pgettext_lazy("audit detail", "From"),
    "to": pgettext_lazy("audit detail", "To"),
    "reply": pgettext_lazy("audit detail", "Reply"),
    "fields": pgettext_lazy("audit detail", "Changed"),
    "flags": pgettext_lazy("audit detail", "Flags"),
    "restored": pgettext_lazy("audit detail", "Shown again"),
    "version": pgettext_lazy("audit detail", "Version"),
    "restored_from": pgettext_lazy("audit detail", "Restored from version"),
}


def register_detail_labels(labels: Mapping[str, Promise]) -> None:
    """Teach the audit page what an app's detail keys are called."""
    DETAIL_LABELS.update(labels)


def _detail_value(value: object) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_detail_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_detail_label(k)}: {_detail_value(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        return when(value)
    return str(value)


def _detail_label(key: str) -> str:
    return str(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key.replace("_", " ")


def describe_details(details: Mapping[str, object]) -> list[tuple[str, str]]:
    """An audit row's details as (label, value) lines in the reader's language and time zone."""
    return [(_detail_label(key), _detail_value(value)) for key, value in details.items()]


# --- The communities' own events -------------------------------------------------------------


class CommunityEvent(models.TextChoices):
    COMMUNITY_CREATE = "community.create", _("Community created")
    COMMUNITY_SETTINGS = "community.settings", _("Settings changed")
    # Closure (issue 16): an organizer makes the community read-only, or opens it again.
    COMMUNITY_CLOSE = "community.close", _("Community closed")
    COMMUNITY_REOPEN = "community.reopen", _("Community reopened")
    INVITATION_CREATE = "invitation.create", _("Invitation sent")
    INVITATION_RESEND = "invitation.resend", _("Invitation sent again")
    INVITATION_REVOKE = "invitation.revoke", _("Invitation revoked")
    INVITATION_ACCEPT = "invitation.accept", _("Invitation accepted")
    INVITATION_EXPIRE = "invitation.expire", _("Invitation expired")
    JOIN_REQUEST_CREATE = "join_request.create", _("Join request received")
    JOIN_REQUEST_APPROVE = "join_request.approve", _("Join request approved")
    JOIN_REQUEST_DECLINE = "join_request.decline", _("Join request declined")
    MEMBER_JOIN = "member.join", _("Member joined")
    MEMBER_ADD_INVITATION = "member.add.invitation", _("Member added by invitation")
    MEMBER_LEAVE = "member.leave", _("Member left")
    MEMBER_ROLE = "member.role", _("Role changed")
    MEMBER_SUSPEND = "member.suspend", _("Member suspended")
    MEMBER_REINSTATE = "member.reinstate", _("Member reinstated")
    MEMBER_SILENCE = "member.silence", _("Member silenced")
    MEMBER_UNSILENCE = "member.unsilence", _("Member can post again")
    HELP_REQUEST_CREATE = "help_request.create", _("Help requested")
    HELP_REQUEST_REPLY = "help_request.reply", _("Help request followed up")
    HELP_REQUEST_ANSWER = "help_request.answer", _("Help request answered")
    HELP_REQUEST_CLOSE = "help_request.close", _("Help request closed")
    HELP_REQUEST_REOPEN = "help_request.reopen", _("Help request reopened")
    SITE_SETTINGS = "site.settings", _("Site settings changed")


def _decline(values: Mapping[str, object]) -> Promise:
    if values.get("reply"):
        return _(
            "Your request to join %(community_name)s was declined. %(person)s wrote: %(reply)s"
        )
    return _("Your request to join %(community_name)s was declined.")


def _approve(values: Mapping[str, object]) -> Promise:
    if values.get("reply"):
        return _(
            "Welcome! Your request to join %(community_name)s was approved. "
            "%(person)s wrote: %(reply)s"
        )
    return _("Welcome! Your request to join %(community_name)s was approved.")


def _suspend(values: Mapping[str, object]) -> Promise:
    if values.get("until"):
        return _("Your membership of %(community_name)s is suspended until %(until)s: %(reason)s")
    return _("Your membership of %(community_name)s is suspended: %(reason)s")


def register_community_events() -> None:
    event = CommunityEvent
    register_events(
        event,
        feed={
            event.COMMUNITY_CREATE: _("%(actor)s created the community"),
            event.MEMBER_JOIN: _("%(actor)s joined the community"),
            event.MEMBER_ROLE: _("%(actor)s changed the role of %(target)s"),
        },
        notices={
            event.INVITATION_ACCEPT: _(
                "%(person)s accepted your invitation to %(community_name)s."
            ),
            event.INVITATION_EXPIRE: _(
                "Your invitation of %(email)s to %(community_name)s expired unanswered. You can "
                "send it again from the invitations page."
            ),
            event.JOIN_REQUEST_CREATE: _("%(person)s asks to join %(community_name)s."),
            event.JOIN_REQUEST_APPROVE: _approve,
            event.JOIN_REQUEST_DECLINE: _decline,
            event.MEMBER_ROLE: _("Your role in %(community_name)s is now: %(role)s."),
            event.MEMBER_SUSPEND: _suspend,
            event.MEMBER_REINSTATE: _("Your membership of %(community_name)s is active again."),
            event.MEMBER_SILENCE: _(
                "You cannot post in %(community_name)s until %(until)s (you can still read): "
                "%(reason)s"
            ),
            event.MEMBER_UNSILENCE: _("You can post in %(community_name)s again."),
            event.COMMUNITY_CLOSE: _(
                "%(person)s closed %(community_name)s: it is now read-only for everyone."
            ),
            event.COMMUNITY_REOPEN: _("%(person)s reopened %(community_name)s."),
            # The help desk: the subject is the asker's words, shown only to the people of the
            # conversation (never in the audit log).
            event.HELP_REQUEST_CREATE: _(
                "%(person)s asks the facilitators of %(community_name)s for help: “%(subject)s”."
            ),
            event.HELP_REQUEST_REPLY: (
                _("%(person)s wrote again about their help request “%(subject)s”."),
                _("%(count)s new messages from %(person)s about their help request “%(subject)s”."),
            ),
            event.HELP_REQUEST_ANSWER: (
                _("%(person)s answered your help request “%(subject)s”."),
                _("%(count)s new answers to your help request “%(subject)s”."),
            ),
            event.HELP_REQUEST_CLOSE: _("%(person)s closed your help request “%(subject)s”."),
            event.HELP_REQUEST_REOPEN: _("%(person)s reopened their help request “%(subject)s”."),
        },
    )
    register_detail_labels({"help_request": pgettext_lazy("audit detail", "Help request")})
