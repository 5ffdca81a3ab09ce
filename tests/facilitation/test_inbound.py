"""Reply by email (facilitation/inbound.py): reply addresses and their tokens, the trimming of a
reply, and what becomes of a message that arrives — posted once, held, or refused with an answer
to the member's verified address only."""

import time
from datetime import timedelta
from email.message import EmailMessage

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.utils import timezone

from communities import emails
from communities import services as community_services
from communities.models import Community, Membership, Notification
from core.models import OutboxEmail
from facilitation import inbound
from facilitation.models import InboundMessage
from forums import services as forum_services
from forums.models import Post
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

REPLY_DOMAIN = "reply.praxis.test"


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.COP_REPLY_DOMAIN = REPLY_DOMAIN


@pytest.fixture
def thread(cast):
    forum = forum_in(cast.private)
    return start_thread(forum, cast.facilitator, title="Lesson openings that work")


def mail(
    to: str,
    *,
    sender: str,
    body: str = "Thanks, I will try this on Monday.",
    message_id: str | None = "<reply-1@mail.example.org>",
    html: str | None = None,
    headers: dict | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Lesson openings that work"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()


def reply_of(user, thread, **fields) -> bytes:
    return mail(inbound.reply_address_for(user, thread), sender=user.email, **fields)


def posts_by(user, thread):
    return list(Post.objects.filter(thread=thread, author=user).order_by("number"))


# --- Tokens and addresses -------------------------------------------------------------------


def test_inbound_token_round_trip():
    token = inbound.reply_token(123456, 7890)

    assert inbound.read_reply_token(token) == (123456, 7890)
    # Mail systems may change the case of the local part: the token survives both ways.
    assert inbound.read_reply_token(token.upper()) == (123456, 7890)
    assert token == token.lower()
    assert set(token) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_inbound_address_fits_in_a_local_part(cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    local, _at, domain = address.partition("@")

    assert domain == REPLY_DOMAIN
    assert local.startswith("reply+")
    assert len(inbound.LOCAL_PREFIX + inbound.reply_token(2**40, 2**40)) <= 64
    assert inbound.token_of_address(address.upper()) == local[len("reply+") :]
    assert inbound.token_of_address(f"<{address.lower()}>") == local[len("reply+") :]


def test_inbound_address_of_another_domain_is_not_ours(cast, thread):
    local = inbound.reply_address_for(cast.member, thread).partition("@")[0]

    assert inbound.token_of_address(f"{local}@elsewhere.example") is None
    assert inbound.token_of_address(f"praxis@{REPLY_DOMAIN}") is None


def test_inbound_forged_token_refused():
    token = inbound.reply_token(5, 9)
    user, thread, issued, signature = token.split("-")
    other_signature = ("b" if signature[0] == "a" else "a") + signature[1:]

    for forged in (
        f"{user}-{thread}-{issued}-{other_signature}",
        f"6-{thread}-{issued}-{signature}",  # someone else's user id
        f"{user}-a-{issued}-{signature}",  # another thread
        f"{user}-{thread}-zzzzzz-{signature}",  # made younger
        "not-a-token",
    ):
        with pytest.raises(signing.BadSignature):
            inbound.read_reply_token(forged)


def test_inbound_token_of_another_secret_refused_and_old_secret_still_read(settings):
    token = inbound.reply_token(5, 9)

    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    with pytest.raises(signing.BadSignature):
        inbound.read_reply_token(token)

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "y" * 40
    assert inbound.read_reply_token(inbound.reply_token(5, 9)) == (5, 9)


def test_inbound_expired_token_refused(settings):
    settings.COP_REPLY_TOKEN_MAX_AGE_DAYS = 60
    fresh = inbound.reply_token(5, 9, issued_at=time.time() - 59 * 86400)
    old = inbound.reply_token(5, 9, issued_at=time.time() - 61 * 86400)

    assert inbound.read_reply_token(fresh) == (5, 9)
    with pytest.raises(signing.SignatureExpired):
        inbound.read_reply_token(old)


# --- The Reply-To of notification emails ----------------------------------------------------


def _notification(user, community, target):
    return Notification.objects.create(
        recipient=user, community=community, verb="post.mention", target=target
    )


def test_inbound_reply_address_for_a_notification_about_a_post(cast, thread):
    post = thread.posts.get(number=1)
    notification = _notification(cast.member, cast.private, f"forums.post:{post.pk}")

    address = emails.reply_address(cast.member, notification)

    assert address is not None
    token = inbound.token_of_address(address)
    assert inbound.read_reply_token(token) == (cast.member.pk, thread.pk)


def test_inbound_reply_address_for_a_notification_about_a_thread(cast, thread):
    notification = _notification(cast.member, cast.private, f"forums.thread:{thread.pk}")

    address = emails.reply_address(cast.member, notification)

    assert inbound.read_reply_token(inbound.token_of_address(address)) == (
        cast.member.pk,
        thread.pk,
    )


def test_inbound_no_reply_address_when_one_may_not_post_there(cast, thread):
    post = thread.posts.get(number=1)
    target = f"forums.post:{post.pk}"

    assert emails.reply_address(cast.member, _notification(cast.member, cast.private, "")) is None
    assert (
        emails.reply_address(
            cast.member, _notification(cast.member, cast.private, "communities.community:1")
        )
        is None
    )
    # Not a member of the private community.
    assert (
        emails.reply_address(cast.outsider, _notification(cast.outsider, cast.private, target))
        is None
    )
    # The thread locked: members may no longer reply (its moderators still may).
    forum_services.lock_thread(thread, actor=cast.facilitator)
    assert (
        emails.reply_address(cast.member, _notification(cast.member, cast.private, target)) is None
    )
    assert emails.reply_address(
        cast.facilitator, _notification(cast.facilitator, cast.private, target)
    )


# --- Trimming -------------------------------------------------------------------------------

GMAIL = """Sounds good, I will bring the worksheets.

On Mon, Dec 7, 2026 at 10:02 AM Fatou Facilitator <
fatou@example.org> wrote:

> Who brings the worksheets on Monday?
>
> --
> Praxis
"""

OUTLOOK = """Yes, room 12 is free.

________________________________
From: Praxis <praxis@example.org>
Sent: Monday, December 7, 2026 10:02
To: Mateo Member <mateo@example.org>
Subject: Lesson openings that work

Who brings the worksheets on Monday?
"""

OUTLOOK_ORIGINAL = """Yes, room 12 is free.

-----Original Message-----
From: Praxis <praxis@example.org>
Who brings the worksheets on Monday?
"""

APPLE = """I agree with Fatou.

Sent from my iPhone

> On 7 Dec 2026, at 10:02, Fatou Facilitator <fatou@example.org> wrote:
>
> Who brings the worksheets on Monday?
"""

FRENCH = """Je m’en occupe.

Envoyé de mon iPhone

Le lun. 7 déc. 2026 à 10:02, Fatou Facilitator <fatou@example.org> a écrit :
> Qui apporte les fiches lundi ?
"""

FRENCH_THUNDERBIRD = """D’accord pour lundi.

Le 07/12/2026 à 10:02, Fatou Facilitator a écrit\u00a0:
> Qui apporte les fiches lundi ?
"""

# "-- " ends with a space (RFC 3676), written \x20 so no editor strips it.
SIGNATURE = "Count me in.\n\n--\x20\nMateo Member\nTeacher, Example School\n"

INTERLEAVED = """On Mon, Dec 7, 2026 at 10:02 AM Fatou <fatou@example.org> wrote:
> Who brings the worksheets?

I do.

> And the projector?

Room 12 has one.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GMAIL, "Sounds good, I will bring the worksheets."),
        (OUTLOOK, "Yes, room 12 is free."),
        (OUTLOOK_ORIGINAL, "Yes, room 12 is free."),
        (APPLE, "I agree with Fatou."),
        (FRENCH, "Je m’en occupe."),
        (FRENCH_THUNDERBIRD, "D’accord pour lundi."),
        (SIGNATURE, "Count me in."),
        (INTERLEAVED, "I do.\n\nRoom 12 has one."),
        ("Plain text.\r\nSecond line.\r\n", "Plain text.\nSecond line."),
        ("> only a quote\n", ""),
    ],
    ids=[
        "gmail",
        "outlook",
        "outlook-original",
        "apple",
        "french",
        "french-thunderbird",
        "signature",
        "interleaved",
        "crlf",
        "quote-only",
    ],
)
def test_inbound_trim_reply(text, expected):
    assert inbound.trim_reply(text) == expected


def test_inbound_trim_keeps_a_sentence_that_only_looks_like_an_attribution():
    text = "On page 3 the author wrote:\nthat openings matter most.\n"

    assert inbound.trim_reply(text) == text.strip()


def test_inbound_text_of_an_html_only_reply_drops_the_quote():
    html = (
        '<div dir="ltr"><p>Thanks &amp; see you <b>Monday</b>.</p><div>Second line</div></div>'
        '<br><div class="gmail_quote"><div class="gmail_attr">On Mon, Dec 7, 2026 Fatou '
        "&lt;fatou@example.org&gt; wrote:</div><blockquote>Who brings the worksheets?"
        "</blockquote></div>"
    )
    raw = mail("x@y", sender="a@b", body=None, html=html)
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)

    assert inbound.trim_reply(inbound.text_of(message)) == "Thanks & see you Monday.\n\nSecond line"


def test_inbound_text_of_an_outlook_html_reply_stops_at_the_quoted_message():
    html = (
        "<html><head><style>p{}</style></head><body><div>Room 12 is free.</div>"
        '<hr><div id="divRplyFwdMsg"><b>From:</b> Praxis</div><div>Who brings it?</div>'
        "</body></html>"
    )

    assert inbound.trim_reply(inbound.html_to_text(html)) == "Room 12 is free."


# --- Handling what arrives ------------------------------------------------------------------


def test_inbound_reply_posts_in_the_thread_as_the_member(cast, thread):
    outcome = inbound.handle_message(reply_of(cast.member, thread, body=GMAIL))

    assert outcome.status == inbound.POSTED
    [post] = posts_by(cast.member, thread)
    assert post.pk == outcome.post_id
    assert post.body == "Sounds good, I will bring the worksheets."
    assert not post.is_pending
    # Posted through the forums' service: the thread's author hears of the reply.
    assert Notification.objects.filter(
        recipient=cast.facilitator, target=f"forums.thread:{thread.pk}"
    ).exists()
    record = InboundMessage.objects.get()
    assert (record.user, record.thread, record.post, record.outcome) == (
        cast.member,
        thread,
        post,
        InboundMessage.Outcome.POSTED,
    )


def test_inbound_reply_with_the_address_lower_cased_on_the_way(cast, thread):
    address = inbound.reply_address_for(cast.member, thread).upper()

    outcome = inbound.handle_message(
        mail("someone@example.org", sender=cast.member.email), recipients=[address]
    )

    assert outcome.status == inbound.POSTED


def test_inbound_reply_found_in_the_headers_when_the_envelope_is_unknown(cast, thread):
    raw = mail(
        "Praxis <praxis@example.org>",
        sender=f"Mateo <{cast.member.email.upper()}>",
        headers={"Delivered-To": inbound.reply_address_for(cast.member, thread)},
    )

    assert inbound.handle_message(raw).status == inbound.POSTED


def test_inbound_same_message_id_posts_once(cast, thread):
    raw = reply_of(cast.member, thread)

    first = inbound.handle_message(raw)
    second = inbound.handle_message(raw)

    assert first.status == inbound.POSTED
    assert second.status == inbound.DUPLICATE
    assert len(posts_by(cast.member, thread)) == 1
    # Another message (another Message-ID) with the same text posts again.
    third = inbound.handle_message(reply_of(cast.member, thread, message_id="<reply-2@x>"))
    assert third.status == inbound.POSTED


def test_inbound_message_without_message_id_delivered_twice_posts_once(cast, thread):
    raw = reply_of(cast.member, thread, message_id=None)

    inbound.handle_message(raw)
    inbound.handle_message(raw)

    assert len(posts_by(cast.member, thread)) == 1


def test_inbound_forged_token_is_dropped_without_an_answer(cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    local, _at, domain = address.partition("@")
    # The same signature on the thread's neighbour.
    user, _thread, issued, signature = local.removeprefix("reply+").split("-")
    forged = f"reply+{user}-{inbound._base36(thread.pk + 1)}-{issued}-{signature}@{domain}"

    outcome = inbound.handle_message(mail(forged, sender=cast.member.email))

    assert outcome == inbound.Outcome(inbound.DROPPED, "forged")
    assert posts_by(cast.member, thread) == []
    assert not InboundMessage.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_inbound_message_without_a_reply_address_is_dropped(cast):
    outcome = inbound.handle_message(mail(f"praxis@{REPLY_DOMAIN}", sender=cast.member.email))

    assert outcome.status == inbound.DROPPED
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"List-Id": "<teachers.lists.example.org>"},
    ],
)
def test_inbound_automatic_messages_are_dropped(cast, thread, headers):
    outcome = inbound.handle_message(reply_of(cast.member, thread, headers=headers))

    assert outcome == inbound.Outcome(inbound.DROPPED, "automatic")
    assert posts_by(cast.member, thread) == []
    assert not OutboxEmail.objects.exists()


def test_inbound_bounce_is_dropped(cast, thread):
    outcome = inbound.handle_message(reply_of(cast.member, thread), sender="<>")

    assert outcome.status == inbound.DROPPED


def _refusal_to(address):
    return OutboxEmail.objects.filter(key__startswith="reply-refused:", to=address)


def test_inbound_wrong_sender_refused_and_only_the_member_told(cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    stranger = "someone@elsewhere.example"

    outcome = inbound.handle_message(mail(address, sender=stranger, body="Secret plans."))

    assert outcome == inbound.Outcome(inbound.REFUSED, inbound.Refusal.SENDER)
    assert posts_by(cast.member, thread) == []
    assert not OutboxEmail.objects.filter(to=stranger).exists()
    [refusal] = _refusal_to(cast.member.email)
    # The text came from someone else: it is not given back.
    assert "Secret plans" not in refusal.body
    assert "verified" in refusal.body


def test_inbound_unverified_address_of_the_member_refused(cast, thread):
    EmailAddress.objects.create(user=cast.member, email="mateo@home.example", verified=False)
    address = inbound.reply_address_for(cast.member, thread)

    outcome = inbound.handle_message(mail(address, sender="mateo@home.example"))

    assert outcome.reason == inbound.Refusal.SENDER
    assert not OutboxEmail.objects.filter(to="mateo@home.example").exists()


def test_inbound_expired_address_refused_with_the_text_given_back(cast, thread, settings):
    token = inbound.reply_token(cast.member.pk, thread.pk, issued_at=time.time() - 90 * 86400)
    address = f"reply+{token}@{REPLY_DOMAIN}"

    outcome = inbound.handle_message(mail(address, sender=cast.member.email, body="Late idea."))

    assert outcome == inbound.Outcome(inbound.REFUSED, inbound.Refusal.EXPIRED)
    assert posts_by(cast.member, thread) == []
    [refusal] = _refusal_to(cast.member.email)
    assert "expired" in refusal.body
    assert "Late idea." in refusal.body
    assert "Lesson openings that work" in refusal.subject
    assert refusal.headers["In-Reply-To"] == "<reply-1@mail.example.org>"
    assert refusal.headers["Auto-Submitted"] == "auto-replied"


def test_inbound_empty_reply_refused(cast, thread):
    outcome = inbound.handle_message(reply_of(cast.member, thread, body="\n> only a quote\n"))

    assert outcome.reason == inbound.Refusal.EMPTY
    assert _refusal_to(cast.member.email).count() == 1


def _suspend(cast, thread):
    membership = Membership.objects.get(user=cast.member, community=cast.private)
    community_services.suspend_member(membership, actor=cast.facilitator, reason="Spam.")


def _silence(cast, thread):
    membership = Membership.objects.get(user=cast.member, community=cast.private)
    community_services.silence_member(
        membership,
        actor=cast.facilitator,
        reason="Cool down.",
        until=timezone.now() + timedelta(days=2),
    )


def _leave(cast, thread):
    membership = Membership.objects.get(user=cast.member, community=cast.private)
    community_services.leave_community(membership, actor=cast.member)


def _lock(cast, thread):
    forum_services.lock_thread(thread, actor=cast.facilitator)


def _archive_forum(cast, thread):
    thread.forum.is_archived = True
    thread.forum.save(update_fields=["is_archived"])


def _archive_community(cast, thread):
    Community.objects.filter(pk=cast.private.pk).update(status=Community.Status.ARCHIVED)


def _hide_thread(cast, thread):
    forum_services.hide_thread(thread, actor=cast.facilitator, reason="Off topic.")


@pytest.mark.parametrize(
    ("change", "reason", "shows_thread"),
    [
        (_suspend, inbound.Refusal.NOT_MEMBER, False),
        (_silence, inbound.Refusal.SILENCED, True),
        (_leave, inbound.Refusal.NOT_MEMBER, False),
        (_lock, inbound.Refusal.LOCKED, True),
        (_archive_forum, inbound.Refusal.ARCHIVED, True),
        (_archive_community, inbound.Refusal.ARCHIVED, True),
        (_hide_thread, inbound.Refusal.GONE, False),
    ],
    ids=[
        "suspended",
        "silenced",
        "left",
        "locked",
        "archived-forum",
        "archived-community",
        "hidden-thread",
    ],
)
def test_inbound_member_who_may_no_longer_post_is_refused_by_email(
    cast, thread, smtp_sink, django_capture_on_commit_callbacks, change, reason, shows_thread
):
    raw = reply_of(cast.member, thread, body="My answer.")
    change(cast, thread)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = inbound.handle_message(raw)

    assert outcome == inbound.Outcome(inbound.REFUSED, reason)
    assert posts_by(cast.member, thread) == []
    [message] = smtp_sink.to(cast.member.email)
    text = smtp_sink.text_of(message)
    assert str(inbound.Refusal.MESSAGES[reason]) in " ".join(text.split())
    assert "My answer." in text
    assert "not posted" in message["Subject"]
    # The thread is named only to a member who may still see it (a private community left, a
    # suspension, a hidden thread: nothing of it).
    assert ("Lesson openings that work" in text) is shows_thread
    assert ("Lesson openings that work" in message["Subject"]) is shows_thread
    assert ("Lesson openings that work" in smtp_sink.html_of(message)) is shows_thread
    assert smtp_sink.messages == [message]


def test_inbound_refusal_in_the_members_language(cast, thread):
    cast.member.language = "fr"
    cast.member.save(update_fields=["language"])
    from django.utils import translation

    with translation.override("fr"):
        expected = str(inbound.Refusal.MESSAGES[inbound.Refusal.EXPIRED])
    token = inbound.reply_token(cast.member.pk, thread.pk, issued_at=time.time() - 90 * 86400)

    inbound.handle_message(mail(f"reply+{token}@{REPLY_DOMAIN}", sender=cast.member.email))

    [refusal] = _refusal_to(cast.member.email)
    assert expected in " ".join(refusal.body.split())


def test_inbound_refusals_told_a_few_times_an_hour_at_most(cast, thread):
    _lock(cast, thread)

    for number in range(inbound.REFUSALS_PER_HOUR + 3):
        outcome = inbound.handle_message(
            reply_of(cast.member, thread, message_id=f"<reply-{number}@x>")
        )
        assert outcome.reason == inbound.Refusal.LOCKED

    assert _refusal_to(cast.member.email).count() == inbound.REFUSALS_PER_HOUR
    assert InboundMessage.objects.filter(reason=inbound.Refusal.LOCKED).count() == (
        inbound.REFUSALS_PER_HOUR + 3
    )


def test_inbound_refused_message_delivered_twice_is_answered_once(cast, thread):
    _lock(cast, thread)
    raw = reply_of(cast.member, thread)

    inbound.handle_message(raw)
    assert inbound.handle_message(raw).status == inbound.DUPLICATE

    assert _refusal_to(cast.member.email).count() == 1


def test_inbound_rate_limit_of_the_site_applies(cast, thread):
    cast.private.post_rate_limit = 1
    cast.private.save(update_fields=["post_rate_limit"])

    first = inbound.handle_message(reply_of(cast.member, thread, message_id="<a@x>"))
    second = inbound.handle_message(reply_of(cast.member, thread, message_id="<b@x>"))

    assert first.status == inbound.POSTED
    assert second.reason == inbound.Refusal.RATE_LIMITED


def test_inbound_premoderated_newcomers_reply_is_held_like_a_web_post(cast, thread):
    cast.private.premoderated_posts = 2
    cast.private.save(update_fields=["premoderated_posts"])

    outcome = inbound.handle_message(reply_of(cast.member, thread))

    assert outcome.status == inbound.HELD
    [post] = posts_by(cast.member, thread)
    assert post.is_pending
    assert InboundMessage.objects.get().outcome == InboundMessage.Outcome.HELD
    # Not announced to the thread's watchers until a facilitator approves it.
    assert not Notification.objects.filter(
        recipient=cast.facilitator, target=f"forums.thread:{thread.pk}", verb="post.reply"
    ).exists()


def test_inbound_deleted_member_is_refused_silently(cast, thread):
    raw = reply_of(cast.member, thread)
    cast.member.is_active = False
    cast.member.save(update_fields=["is_active"])

    outcome = inbound.handle_message(raw)

    assert outcome == inbound.Outcome(inbound.REFUSED, inbound.Refusal.GONE)
    assert not OutboxEmail.objects.exists()


def test_inbound_refusal_subject_names_the_thread_as_written(cast):
    thread = start_thread(forum_in(cast.private), cast.facilitator, title="Q&A: <openings>")
    _lock(cast, thread)

    inbound.handle_message(reply_of(cast.member, thread))

    [refusal] = _refusal_to(cast.member.email)
    assert refusal.subject.endswith("Your reply to “Q&A: <openings>” was not posted")
    assert "Q&amp;A: &lt;openings&gt;" in refusal.html_body


def test_inbound_trim_keeps_a_sentence_that_starts_like_a_sign_off():
    text = "Sent from my office at school, the plan for Monday is ready and printed for everyone."

    assert inbound.trim_reply(text) == text


def test_inbound_flowed_text_is_joined_again(cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    raw = (
        f"From: {cast.member.email}\r\nTo: {address}\r\nMessage-ID: <flowed@x>\r\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        "A first line that the mail client \r\nwrapped for us.\r\nA second line.\r\n\r\n"
        "-- \r\nMateo\r\n"
    ).encode()

    inbound.handle_message(raw)

    [post] = posts_by(cast.member, thread)
    assert post.body == "A first line that the mail client wrapped for us.\nA second line."
