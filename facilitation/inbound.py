"""Reply by email: a notification about a post can be answered from the mail client.

The email of such a notification carries `Reply-To: reply+<token>@COP_REPLY_DOMAIN`. The token
names the member and the thread and is signed (HMAC with SECRET_KEY, as django.core.signing
signs); it expires after COP_REPLY_TOKEN_MAX_AGE_DAYS. What the domain's mail server hands the
`receive_mail` process (facilitation/management/commands/receive_mail.py) goes to
`handle_message`, which posts the reply in the thread as the member, with the rules of a post
written on the site applied at arrival.

The token is made of lower-case letters, digits and hyphens only: mail systems may change the
case of the local part of an address (RFC 5321 lets the receiving side treat it as it likes),
and the whole local part must fit in 64 characters. So it is not django.core.signing's output
(base64 and base62, case-sensitive, about 70 characters) but the same HMAC, truncated to 120
bits and written in base32: `<user>-<thread>-<issued>-<signature>`, numbers in base 36.

What is refused, and who hears of it (no backscatter: an answer never goes to an address we
have not verified, since the sender of a message is whatever its author typed):

- automatic messages (out-of-office, bounces, lists) and messages without a reply address of
  ours: dropped, no answer, nothing recorded;
- a forged token: dropped, no answer (its sender is unknown, and answering would let anyone make
  us mail anyone), logged;
- a genuine token from an address the member has not verified, an expired token, an empty
  reply, or a member who may no longer post there: refused, and the member is told why at their
  verified address, in their language, at most REFUSALS_PER_HOUR times an hour. The email names
  the thread only if the member may still see it, and gives back their text only when it came
  from them.

Each message is claimed by its Message-ID (an `InboundMessage` row, written in the same
transaction as the post), so a message delivered twice posts once; an error rolls the claim
back and the receiver answers 451, so the sending server tries again.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.emails import register_reply_address
from communities.permissions import access_for, can_post_in, can_see_thread
from core.outbox import queue_emails, render_outgoing
from core.ratelimit import allow
from facilitation.models import InboundMessage
from forums import services as forum_services
from forums.forms import PostForm
from forums.models import Post, Thread

logger = logging.getLogger(__name__)

SALT = "praxis.reply"
LOCAL_PREFIX = "reply+"
SIGNATURE_BYTES = 15  # 120 bits, 24 characters of base32
# How many refusals a member is told of an hour: a leaked reply address must not become a way
# to fill their inbox.
REFUSALS_PER_HOUR = 5
# The longest reply taken, as on the site.
MAX_BODY_LENGTH = PostForm.base_fields["body"].max_length

_TOKEN = re.compile(r"([0-9a-z]{1,13})-([0-9a-z]{1,13})-([0-9a-z]{1,13})-([a-z2-7]{24})")


# --- Reply addresses and their tokens -------------------------------------------------------


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if not number:
            return text


def _signature(value: str, key) -> str:
    signer = signing.Signer(key=key, salt=SALT, algorithm="sha256")
    digest = signing.b64_decode(signer.signature(value).encode())[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().lower()


def _keys() -> list:
    signer = signing.Signer(salt=SALT)
    return [signer.key, *signer.fallback_keys]


def reply_token(user_id: int, thread_id: int, *, issued_at: float | None = None) -> str:
    """The signed token naming a member and a thread, lower-case letters, digits and hyphens."""
    issued = int(time.time() if issued_at is None else issued_at)
    value = f"{_base36(user_id)}-{_base36(thread_id)}-{_base36(issued)}"
    return f"{value}-{_signature(value, _keys()[0])}"


def read_reply_token(token: str, *, max_age: float | None = None) -> tuple[int, int]:
    """(user id, thread id) of a genuine token, whatever the case it comes back in.

    Raises signing.BadSignature for anything else, signing.SignatureExpired (a BadSignature)
    for a genuine token older than `max_age` seconds (default COP_REPLY_TOKEN_MAX_AGE_DAYS).
    """
    match = _TOKEN.fullmatch(token.strip().lower())
    if match is None:
        raise signing.BadSignature("Not a reply token.")
    user, thread, issued, signature = match.groups()
    value = f"{user}-{thread}-{issued}"
    if not any(signing.constant_time_compare(signature, _signature(value, k)) for k in _keys()):
        raise signing.BadSignature("Reply token signature does not match.")
    if max_age is None:
        max_age = settings.COP_REPLY_TOKEN_MAX_AGE_DAYS * 24 * 3600
    age = time.time() - int(issued, 36)
    if age > max_age:
        raise signing.SignatureExpired(f"Reply token is {age:.0f} s old (> {max_age} s).")
    return int(user, 36), int(thread, 36)


def reply_address_for(user, thread) -> str:
    """The address that answers this thread as this member."""
    return f"{LOCAL_PREFIX}{reply_token(user.pk, thread.pk)}@{settings.COP_REPLY_DOMAIN}"


def token_of_address(address: str) -> str | None:
    """The token of a reply+<token>@COP_REPLY_DOMAIN address (any case); None for any other."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or domain.lower() != settings.COP_REPLY_DOMAIN.lower():
        return None
    local = local.lower()
    if not local.startswith(LOCAL_PREFIX):
        return None
    token = local[len(LOCAL_PREFIX) :]
    return token if _TOKEN.fullmatch(token) else None


def _thread_of_target(target: str) -> int | None:
    """The thread a notification is about: "forums.post:<id>" or "forums.thread:<id>"."""
    label, _sep, pk = (target or "").partition(":")
    if not pk.isdigit():
        return None
    if label == "forums.thread":
        return int(pk)
    if label == "forums.post":
        return Post.objects.filter(pk=int(pk)).values_list("thread_id", flat=True).first()
    return None


def reply_address(user, notification) -> str | None:
    """The Reply-To of an email telling `user` of `notification` (communities.emails): only
    for a notification about a post or a thread that they may see and post in now."""
    if notification.community_id is None:
        return None
    thread_id = _thread_of_target(notification.target)
    if thread_id is None:
        return None
    thread = (
        Thread.objects.select_related("forum")
        .filter(pk=thread_id, community_id=notification.community_id)
        .first()
    )
    if thread is None:
        return None
    access = access_for(user, notification.community)
    if not can_see_thread(access, thread):
        return None
    if not can_post_in(access, thread=thread, forum=thread.forum):
        return None
    return reply_address_for(user, thread)


def register() -> None:
    """Make notification emails answerable (facilitation's ready())."""
    register_reply_address(reply_address)


# --- The text of a reply --------------------------------------------------------------------

_SIGN_OFF = re.compile(
    r"(sent from my|sent from mail for|sent from outlook|get outlook for|envoyé de mon|"
    r"envoyé depuis|envoyé à partir de|obtenir outlook pour|téléchargez outlook pour)\b",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"-{2,}\s*(original message|message d.origine|message original|forwarded message|"
    r"message transféré)\s*-{2,}|(begin forwarded message|début du message réexpédié)\s*:",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"(on\s.+\swrote|le\s.+\sa\s+écrit)\s*:", re.IGNORECASE | re.DOTALL)
_HEADER_FROM = re.compile(r"\*?(from|de)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"\*?(sent|date|envoyé|to|à|subject|objet)\s*:", re.IGNORECASE)
_SEPARATOR = re.compile(r"_{8,}|-{8,}")


def _attribution_end(lines: list[str], start: int) -> int | None:
    """The last line of a "On … wrote:" / "Le … a écrit :" line that starts at `start` (mail
    clients wrap it over up to three lines), or None."""
    if not re.match(r"(on|le)\s", lines[start].strip(), re.IGNORECASE):
        return None
    for end in range(start, min(start + 3, len(lines))):
        joined = " ".join(line.strip() for line in lines[start : end + 1])
        if _ATTRIBUTION.fullmatch(joined):
            return end
    return None


def _next_filled(lines: list[str], start: int) -> str | None:
    return next((line.strip() for line in lines[start:] if line.strip()), None)


def _is_header_block(lines: list[str], start: int) -> bool:
    """Outlook's quoted header: "From: …" followed by "Sent: …" / "Date: …" / "To: …"."""
    if not _HEADER_FROM.match(lines[start].strip()):
        return False
    return any(_HEADER_NEXT.match(line.strip()) for line in lines[start + 1 : start + 4])


def trim_reply(text: str) -> str:
    """What the member wrote: without the quoted message, its "On … wrote:" line, the
    signature and the mobile sign-off."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or line == "\u2014 ":
            break  # the signature separator (RFC 3676)
        # A sign-off is a short line of its own; "Sent from my office, …" in a sentence is not.
        if (_SIGN_OFF.match(stripped) and len(stripped) <= 60) or _ORIGINAL.match(stripped):
            break
        if _is_header_block(lines, index):
            break
        end = _attribution_end(lines, index)
        if end is not None:
            following = _next_filled(lines, end + 1)
            if following is not None and following.startswith(">"):
                # Quoted below with ">": the member may answer between the quotes.
                index = end + 1
                continue
            if following is None or "@" in " ".join(lines[index : end + 1]):
                break  # the quoted message follows, not marked
        if stripped.startswith(">"):
            index += 1
            continue
        kept.append(line.rstrip())
        index += 1
    while kept and (not kept[-1].strip() or _SEPARATOR.fullmatch(kept[-1].strip())):
        kept.pop()
    # Quotes taken from between paragraphs leave runs of blank lines.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


class _HTMLText(HTMLParser):
    """The text of an HTML email, a line per block, without what it quotes."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}
        | {"ul", "ol", "hr", "section", "article"}
    )
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
        | {"track", "wbr"}
    )
    SKIPPED = frozenset({"script", "style", "head", "title", "blockquote"})
    QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
    QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0  # depth inside a skipped element
        self.stopped = False  # Outlook's quoted message runs to the end of the body

    def _quotes(self, tag: str, attrs) -> bool:
        if tag in self.SKIPPED:
            return True
        values = dict(attrs)
        classes = (values.get("class") or "").lower()
        return any(name in classes for name in self.QUOTE_CLASSES)

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        if (dict(attrs).get("id") or "").lower() in self.QUOTE_IDS:
            self.stopped = True
            return
        if self.skipping:
            if tag not in self.VOID:
                self.skipping += 1
            return
        if self._quotes(tag, attrs) and tag not in self.VOID:
            self.skipping = 1
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if not self.skipping and not self.stopped and tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag not in self.VOID:
                self.skipping -= 1
            return
        if not self.stopped and tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and not self.stopped:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()


def _unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    out: list[str] = []
    carry = ""
    for line in text.split("\n"):
        if line == "-- ":
            if carry:
                out.append(carry)
                carry = ""
            out.append(line)
            continue
        line = carry + line
        if line.endswith(" ") and not line.startswith(">"):
            carry = line[:-1] if delsp else line
        else:
            out.append(line)
            carry = ""
    if carry:
        out.append(carry)
    return "\n".join(out)


def _content_of(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, KeyError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def text_of(message: EmailMessage) -> str:
    """The reply's text: its text/plain part, or the text of its HTML part."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content_of(part).replace("\r\n", "\n")
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    if part.get_param("format", "").lower() == "flowed":
        content = _unflow(content, delsp=part.get_param("delsp", "").lower() == "yes")
    return content


# --- Handling a message that arrived --------------------------------------------------------


class Refusal:
    """Why a reply was not posted (InboundMessage.reason, and what the refusal email says)."""

    SENDER = "sender"
    EXPIRED = "expired"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    GONE = "gone"  # the thread was deleted, or hidden from the member
    NOT_MEMBER = "not_member"  # left, suspended, or never a member
    SILENCED = "silenced"
    LOCKED = "locked"
    ARCHIVED = "archived"
    RATE_LIMITED = "rate_limited"
    REFUSED = "refused"  # the forums' service refused it

    MESSAGES = {
        SENDER: _(
            "It was sent from an email address that is not one of the verified addresses of your "
            "account. Replies by email are only accepted from your own verified addresses."
        ),
        EXPIRED: _(
            "The reply address it was sent to has expired. Please reply on the site, or to a "
            "newer email."
        ),
        EMPTY: _(
            "We found no text in it once the quoted message and the signature were taken away."
        ),
        TOO_LONG: _("It is longer than a post may be."),
        GONE: _("The thread is no longer available to you."),
        NOT_MEMBER: _("You can no longer post in this community."),
        SILENCED: _("You are silenced in this community for now: you may read but not post."),
        LOCKED: _("The thread is locked: it no longer takes replies."),
        ARCHIVED: _("The forum or the community is archived: it no longer takes replies."),
        RATE_LIMITED: _("You have posted too much in a short time. Please wait a little."),
        REFUSED: _("The forum refused it."),
    }


# Statuses of `Outcome`.
POSTED = "posted"
HELD = "held"
REFUSED = "refused"
DUPLICATE = "duplicate"
DROPPED = "dropped"


@dataclass(frozen=True)
class Outcome:
    """What became of a message: posted, held for approval, refused (the member was told,
    unless `reason` says it could not be), a duplicate, or dropped without an answer."""

    status: str
    reason: str = ""
    post_id: int | None = None


def _is_automatic(message: EmailMessage, sender: str | None) -> bool:
    """Out-of-office replies, bounces and list traffic (RFC 3834): never posted, never answered."""
    if sender is not None and sender.strip("<>") == "":
        return True  # a bounce: MAIL FROM:<>
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if message.get("List-Id") or message.get_content_type() == "multipart/report":
        return True
    return False


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    values = []
    for name in names:
        values.extend(str(value) for value in message.get_all(name, []))
    return [address for _name, address in getaddresses(values) if address]


def _find_token(message: EmailMessage, recipients) -> str | None:
    """The token of the reply address: the envelope's recipients first, then the headers."""
    candidates = [*recipients, *_addresses(message, "Delivered-To", "X-Original-To", "To", "Cc")]
    for address in candidates:
        token = token_of_address(address)
        if token is not None:
            return token
    return None


def _message_key(message: EmailMessage, raw: bytes, user_id: int, thread_id: int) -> str:
    message_id = str(message.get("Message-ID", "")).strip()
    source = message_id.encode() if message_id else hashlib.sha256(raw).digest()
    return hashlib.sha256(b"%d:%d:" % (user_id, thread_id) + source).hexdigest()


def _sender_address(message: EmailMessage) -> str | None:
    senders = _addresses(message, "From")
    return senders[0].lower() if len(senders) == 1 else None


def _permission_refusal(user, thread: Thread | None) -> str | None:
    """Why this member may not post in this thread now (None: they may)."""
    if thread is None:
        return Refusal.GONE
    access = access_for(user, thread.community)
    if not access.is_member:
        return Refusal.NOT_MEMBER
    if not can_see_thread(access, thread):
        return Refusal.GONE
    if can_post_in(access, thread=thread, forum=thread.forum):
        return None
    if thread.community.is_archived or thread.forum.is_archived:
        return Refusal.ARCHIVED
    if access.membership.is_silenced:
        return Refusal.SILENCED
    if thread.is_locked:
        return Refusal.LOCKED
    return Refusal.NOT_MEMBER


def handle_message(raw: bytes, *, recipients=(), sender: str | None = None) -> Outcome:
    """Post a reply that arrived by email in its thread, or refuse it (see the module's doc).

    `recipients` and `sender` are the SMTP envelope's (RCPT TO, MAIL FROM) when known.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if _is_automatic(message, sender):
        return Outcome(DROPPED, "automatic")
    token = _find_token(message, recipients)
    if token is None:
        return Outcome(DROPPED, "no_address")
    expired = False
    try:
        user_id, thread_id = read_reply_token(token)
    except signing.SignatureExpired:
        expired = True
        user_id, thread_id = read_reply_token(token, max_age=float("inf"))
    except signing.BadSignature:
        logger.warning("Reply by email with a forged token dropped (From %s).", message["From"])
        return Outcome(DROPPED, "forged")
    key = _message_key(message, raw, user_id, thread_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = InboundMessage.objects.create(
                    message_key=key, outcome=InboundMessage.Outcome.REFUSED
                )
        except IntegrityError:
            return Outcome(DUPLICATE)
        return _handle(message, claim, user_id=user_id, thread_id=thread_id, expired=expired)


def _handle(message, claim: InboundMessage, *, user_id, thread_id, expired) -> Outcome:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        claim.reason = Refusal.GONE
        claim.save(update_fields=["reason"])
        return Outcome(REFUSED, Refusal.GONE)
    claim.user = user
    thread = Thread.objects.select_related("forum", "community").filter(pk=thread_id).first()
    claim.thread = thread
    verified = set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    verified = {address.lower() for address in verified}
    sender = _sender_address(message)
    text = trim_reply(text_of(message))
    if sender not in verified:
        return _refuse(claim, message, Refusal.SENDER, user, thread, text=None, to=None)
    if expired:
        return _refuse(claim, message, Refusal.EXPIRED, user, thread, text=text, to=sender)
    if not text:
        return _refuse(claim, message, Refusal.EMPTY, user, thread, text=None, to=sender)
    if len(text) > MAX_BODY_LENGTH:
        return _refuse(claim, message, Refusal.TOO_LONG, user, thread, text=text, to=sender)
    refusal = _permission_refusal(user, thread)
    if refusal is None and not allow(f"post:{user.pk}", limit=thread.community.post_rate_limit):
        refusal = Refusal.RATE_LIMITED
    if refusal is not None:
        return _refuse(claim, message, refusal, user, thread, text=text, to=sender)
    try:
        post = forum_services.reply(thread, actor=user, body=text)
    except forum_services.ForumError:
        return _refuse(claim, message, Refusal.REFUSED, user, thread, text=text, to=sender)
    claim.post = post
    claim.outcome = (
        InboundMessage.Outcome.HELD if post.is_pending else InboundMessage.Outcome.POSTED
    )
    claim.save(update_fields=["user", "thread", "post", "outcome"])
    logger.info("Reply by email from user %s posted in thread %s.", user.pk, thread.pk)
    return Outcome(HELD if post.is_pending else POSTED, post_id=post.pk)


def _reply_headers(message: EmailMessage) -> dict:
    """Threading headers of the answer, from the message's Message-ID when it is well formed."""
    headers = {"Auto-Submitted": "auto-replied"}
    message_id = str(message.get("Message-ID", "")).strip()
    if re.fullmatch(r"<[^<>\s]{1,250}>", message_id):
        headers["In-Reply-To"] = message_id
        headers["References"] = message_id
    return headers


def _refuse(claim, message, reason: str, user, thread, *, text, to) -> Outcome:
    """Record the refusal and tell the member why, at a verified address of theirs."""
    claim.reason = reason
    claim.save(update_fields=["user", "thread", "outcome", "reason"])
    address = to or _primary_address(user)
    if address is None:
        return Outcome(REFUSED, reason)
    if not allow(f"reply-refused:{user.pk}", limit=REFUSALS_PER_HOUR, period=3600):
        logger.info("Refusal of a reply by email not sent: user %s was told enough.", user.pk)
        return Outcome(REFUSED, reason)
    shown = thread if thread is not None and _may_see(user, thread) else None
    context = {
        "user": user,
        "reason": reason,
        "explanation": Refusal.MESSAGES[reason],
        "thread": shown,
        "thread_url": settings.COP_SITE_URL + shown.get_absolute_url() if shown else "",
        "text": text or "",
    }
    queue_emails(
        [
            render_outgoing(
                "facilitation/email/reply_refused",
                key=f"reply-refused:{claim.message_key}",
                to=address,
                context=context,
                language=user.language or settings.LANGUAGE_CODE,
                headers=_reply_headers(message),
            )
        ]
    )
    return Outcome(REFUSED, reason)


def _may_see(user, thread: Thread) -> bool:
    return can_see_thread(access_for(user, thread.community), thread)


def _primary_address(user) -> str | None:
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    return addresses.values_list("email", flat=True).first()
