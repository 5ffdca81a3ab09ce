"""`manage.py receive_mail` over real SMTP: the command runs in a thread on a free port of
127.0.0.1, smtplib sends to it as a mail server would, and the reply lands in the thread."""

import smtplib
from email.message import EmailMessage

import pytest

from communities.models import Membership
from facilitation import inbound
from facilitation.management.commands import receive_mail
from facilitation.models import InboundMessage
from forums.models import Post
from tests.forums.factories import forum_in, start_thread

# The receiver handles each message in a thread of its own, with its own database connection:
# it must see committed rows, and its writes are committed.
pytestmark = pytest.mark.django_db(transaction=True)

REPLY_DOMAIN = "reply.praxis.test"


@pytest.fixture
def receiver(mail_receiver, settings):
    settings.COP_REPLY_DOMAIN = REPLY_DOMAIN
    return mail_receiver


@pytest.fixture
def thread(cast):
    return start_thread(forum_in(cast.public), cast.facilitator, title="Lesson openings")


def message(to: str, sender: str, body: str, message_id: str = "<m1@mail.example.org>") -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = "Re: Lesson openings"
    mail["Message-ID"] = message_id
    mail.set_content(body)
    return mail.as_bytes()


def send(port: int, to: str, raw: bytes, sender: str = "mateo@example.org"):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail(sender, [to], raw)


def test_receive_mail_posts_a_reply_sent_over_smtp(receiver, cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    body = "I open with a puzzle.\n\nOn Mon, Dec 7, 2026 Fatou <f@example.org> wrote:\n> How?\n"
    raw = message(address, cast.member.email, body)

    refused = send(receiver, address, raw, sender=cast.member.email)
    # The same message again (a retry of the sending server): posted once.
    send(receiver, address, raw, sender=cast.member.email)

    assert refused == {}
    [post] = Post.objects.filter(thread=thread, author=cast.member)
    assert post.body == "I open with a puzzle."
    assert InboundMessage.objects.get().post == post


def test_receive_mail_address_in_upper_case(receiver, cast, thread):
    address = inbound.reply_address_for(cast.member, thread).upper()

    send(receiver, address, message(address, cast.member.email, "Agreed."))

    assert Post.objects.filter(thread=thread, author=cast.member, body="Agreed.").exists()


def test_receive_mail_refuses_other_recipients(receiver, cast):
    for address in (f"praxis@{REPLY_DOMAIN}", "someone@example.org", "reply+abc@example.org"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(receiver, address, message(address, cast.member.email, "Hello."))
        [(code, _text)] = refused.value.recipients.values()
        assert code == 550


def test_receive_mail_refuses_a_message_too_large(receiver, cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    raw = message(address, cast.member.email, "x" * (receive_mail.MAX_MESSAGE_BYTES + 1000))

    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
        send(receiver, address, raw)

    assert refused.value.smtp_code == 552
    assert not Post.objects.filter(author=cast.member).exists()


def test_receive_mail_accepts_a_forged_token_and_drops_it(receiver, cast, thread):
    address = inbound.reply_address_for(cast.member, thread)
    local, _at, domain = address.partition("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"

    # Accepted (a 550 would make a relay in front bounce it to a sender we know nothing of),
    # then dropped.
    assert send(receiver, forged, message(forged, cast.member.email, "Hello.")) == {}

    assert not Post.objects.filter(author=cast.member).exists()
    assert not InboundMessage.objects.exists()


def test_receive_mail_refusal_reaches_the_member_by_email(receiver, cast, thread, smtp_sink):
    address = inbound.reply_address_for(cast.member, thread)
    membership = Membership.objects.get(user=cast.member, community=cast.public)
    membership.state = Membership.State.SUSPENDED
    membership.save(update_fields=["state"])

    send(receiver, address, message(address, cast.member.email, "Still here."))

    assert not Post.objects.filter(author=cast.member).exists()
    [refusal] = smtp_sink.to(cast.member.email)
    assert "You can no longer post in this community." in smtp_sink.text_of(refusal)


def test_receive_mail_survives_an_error_and_asks_for_a_retry(receiver, cast, thread, monkeypatch):
    address = inbound.reply_address_for(cast.member, thread)
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("database down")

    monkeypatch.setattr(receive_mail, "handle_message", broken)
    with pytest.raises(smtplib.SMTPDataError) as failed:
        send(receiver, address, message(address, cast.member.email, "First try."))
    assert failed.value.smtp_code == 451

    monkeypatch.undo()
    # The server is still up, and the retry posts.
    send(receiver, address, message(address, cast.member.email, "First try."))
    assert calls
    assert Post.objects.filter(thread=thread, author=cast.member, body="First try.").exists()
