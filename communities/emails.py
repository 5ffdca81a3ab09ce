"""The kinds of email Praxis sends a person, and each person's choice for each.

A kind is declared once here with its label, who receives it and its default choice; each app
maps the notification events it writes to a kind in its `ready()` (`map_events`), the way it
declares its events. What a person chose lives on their account (`User.email_preferences`), a
kind not in it has its default.

Choices: "immediate" (an email a few minutes after, grouped), "digest" (in the daily or weekly
digest) or "off". The digest and the facilitators' reminders are kinds too, with only "on" and
"off" ("immediate" stands for on).

Every email of a kind carries a one-click unsubscribe link for that kind (RFC 8058): a signed
token naming the person and the kind, so it works without logging in and only for its kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

IMMEDIATE = "immediate"
DIGEST = "digest"
OFF = "off"
CHOICES = (
    (IMMEDIATE, _("By email at once")),
    (DIGEST, _("In my digest")),
    (OFF, _("Not by email")),
)
ON_OFF = ((IMMEDIATE, _("Send them")), (OFF, _("Do not send them")))

# Who a kind is for: every member, or those who facilitate a community.
MEMBERS = "members"
FACILITATORS = "facilitators"

UNSUBSCRIBE_SALT = "praxis.email.unsubscribe"


@dataclass(frozen=True)
class EmailKind:
    name: str
    label: object  # a lazy translation
    help_text: object
    default: str
    audience: str = MEMBERS
    # Only on or off (the digest, the reminders): no "in my digest".
    on_off: bool = False

    @property
    def choices(self):
        return ON_OFF if self.on_off else CHOICES


KINDS: dict[str, EmailKind] = {
    kind.name: kind
    for kind in (
        EmailKind(
            "mentions", _("Mentions"), _("Someone mentions you with @ in a post."), IMMEDIATE
        ),
        EmailKind(
            "replies",
            _("Replies"),
            _("New posts in the threads and forums you watch."),
            DIGEST,
        ),
        EmailKind(
            "moderation",
            _("Moderation"),
            _("A facilitator hides, restores or approves your posts; a silence or suspension."),
            IMMEDIATE,
        ),
        EmailKind(
            "membership",
            _("Membership"),
            _("Answers to your join requests and changes of your role."),
            IMMEDIATE,
        ),
        EmailKind(
            "help", _("Help desk"), _("The facilitators answer your help requests."), IMMEDIATE
        ),
        EmailKind(
            "assessments",
            _("Assessments"),
            _("An assessment opens, is about to close, or its results are shared."),
            IMMEDIATE,
        ),
        EmailKind(
            "facilitators",
            _("Messages from facilitators"),
            _("A facilitator writes to you (a nudge)."),
            IMMEDIATE,
        ),
        EmailKind(
            "join_requests",
            _("Join requests"),
            _("Someone asks to join a community you facilitate."),
            IMMEDIATE,
            audience=FACILITATORS,
        ),
        EmailKind(
            "flags",
            _("Review queue"),
            _("Posts flagged or held for approval in a community you facilitate."),
            IMMEDIATE,
            audience=FACILITATORS,
        ),
        EmailKind(
            "help_requests",
            _("Help requests"),
            _("A member asks the facilitators for help, or answers them."),
            IMMEDIATE,
            audience=FACILITATORS,
        ),
        EmailKind(
            "digest",
            _("Digest"),
            _("What is new in your communities, daily or weekly as you choose."),
            IMMEDIATE,
            on_off=True,
        ),
        EmailKind(
            "reminders",
            _("Facilitator reminders"),
            _("A daily email when something in a community you facilitate needs you."),
            IMMEDIATE,
            audience=FACILITATORS,
            on_off=True,
        ),
    )
}

# Notification event → kind, filled by each app's ready() through `map_events`.
KIND_OF_EVENT: dict[str, str] = {}


def map_events(kind: str, events: Iterable[str]) -> None:
    """Tell which kind of email the notifications of these events are."""
    if kind not in KINDS:
        raise ImproperlyConfigured(f"{kind!r} is not a kind of email (communities.emails).")
    for event in events:
        KIND_OF_EVENT[str(event)] = kind


def kind_of(event: str) -> str | None:
    return KIND_OF_EVENT.get(event)


def preference(user, kind: str) -> str:
    """What the person chose for this kind of email (its default if they never chose)."""
    chosen = (user.email_preferences or {}).get(kind)
    valid = {value for value, _label in KINDS[kind].choices}
    return chosen if chosen in valid else KINDS[kind].default


def full_url(path: str) -> str:
    """An address a mail client can open: the site's address before a path (an empty path or
    a full address is left as it is)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.COP_SITE_URL + path


# --- Unsubscribing --------------------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a genuine token; None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in KINDS:
        return None
    return user_id, kind


def unsubscribe_url(user, kind: str) -> str:
    """The full address of the one-click unsubscribe page for this person and kind."""
    return full_url(reverse("email_unsubscribe", args=[unsubscribe_token(user, kind)]))


def list_headers(user, kind: str, *, url: str | None = None) -> dict[str, str]:
    """The List-Unsubscribe headers of an email of this kind (RFC 2369 and RFC 8058); `url`, the
    unsubscribe address when the caller has made it already."""
    return {
        "List-Unsubscribe": f"<{url or unsubscribe_url(user, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- Replying by email ----------------------------------------------------------------------

# The layer above (facilitation) knows threads and posts; it registers how to make the reply
# address of a notification (None: the notification cannot be answered by email).
ReplyAddress = Callable[[object, object], str | None]
_REPLY_ADDRESS: list[ReplyAddress] = []


def register_reply_address(function: ReplyAddress) -> None:
    _REPLY_ADDRESS[:] = [function]


def reply_address(user, notification) -> str | None:
    """The Reply-To address that answers this notification in its thread, if it has one."""
    if not _REPLY_ADDRESS:
        return None
    return _REPLY_ADDRESS[0](user, notification)
