"""Email in Chromium (issue 15's acceptance journey): a member chooses daily digests in French;
a facilitator mentions her in a new thread; the mention email and the next morning's digest
reach a real SMTP server in French; the digest's link opens the thread; she answers the mention
from her mail client and her reply appears in the thread, without the quoted text."""

import re
import smtplib
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import User
from communities.models import Notification
from communities.tasks import email_notifications
from facilitation.tasks import plan_digests
from forums import services as forum_services
from forums.models import Forum, Post
from tests.browser.people import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "math-teachers"
TITLE = "Drawing fractions on a number line"


def _french(text: str) -> str:
    with translation.override("fr"):
        translated = gettext(text)
    assert translated != text, f"no French for {text!r}"
    return translated


def test_journey_daily_digest_in_french_and_a_reply_by_email(
    demo, page, live_server, smtp_sink, mail_receiver, settings
):
    settings.COP_SITE_URL = live_server.url
    settings.COP_REPLY_DOMAIN = "reply.praxis.test"
    maya = User.objects.get(email="member@example.com")

    # Maya asks for a daily digest, in French, from her notifications page.
    log_in(page, live_server, maya.email, "Maya Member")
    page.goto(live_server.url + "/notifications/")
    page.get_by_role("link", name="Email preferences").click()
    page.get_by_role("group", name="Digest").get_by_label("Daily").check()
    page.get_by_role("combobox", name="Language").select_option("fr")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("button", name=_french("Save preferences"))).to_be_visible()
    maya.refresh_from_db()
    assert (maya.digest_frequency, maya.language) == ("daily", "fr")

    # What the demo told her before was emailed by earlier ticks.
    Notification.objects.filter(recipient=maya).update(emailed_at=timezone.now())

    # Farid starts a thread and mentions her.
    farid = User.objects.get(email="facilitator@example.com")
    forum = Forum.objects.filter(community__slug=SLUG).order_by("position").first()
    thread = forum_services.start_thread(
        forum, actor=farid, title=TITLE, body=f"@{maya.handle} how do you introduce it?"
    )

    # Five minutes later the mention goes out by email, in French, answerable by reply.
    Notification.objects.filter(recipient=maya, emailed_at__isnull=True).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )
    email_notifications.delay()
    [mention] = smtp_sink.to(maya.email)
    assert TITLE in mention["Subject"]
    reply_to = str(mention["Reply-To"])
    assert reply_to.endswith("@reply.praxis.test")
    assert mention["List-Unsubscribe"]

    # The next morning (the next 07:30 where she lives), her daily digest, in French. (Not
    # "tomorrow at 07:30": run before 07:30, the day's window would begin after the thread.)
    zone = ZoneInfo(maya.time_zone)
    local_now = timezone.now().astimezone(zone)
    morning = datetime.combine(local_now.date(), time(7, 30), tzinfo=zone)
    if morning <= local_now:
        morning += timedelta(days=1)
    plan_digests.delay(now=morning)
    [digest] = [m for m in smtp_sink.to(maya.email) if m is not mention]
    assert _french("Your daily digest") in digest["Subject"]
    text = smtp_sink.text_of(digest)
    assert _french("New threads") in text
    link = re.search(rf"{re.escape(TITLE)}\s+(\S+)", text).group(1)
    assert link.startswith(live_server.url)

    # Its link opens the thread.
    page.goto(link)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # She answers the mention from her mail client.
    answer = EmailMessage()
    answer["From"] = f"Maya Member <{maya.email}>"
    answer["To"] = reply_to
    answer["Subject"] = f"Re: {mention['Subject']}"
    answer["Message-ID"] = "<answer-1@mail.example.org>"
    answer["In-Reply-To"] = mention["Message-ID"]
    answer.set_content(
        "I fold a paper strip into equal parts first.\n\n"
        "Le lun. 7 déc. 2026 à 10:00, Praxis <praxis@localhost> a écrit :\n"
        "> how do you introduce it?\n"
    )
    with smtplib.SMTP("127.0.0.1", mail_receiver, timeout=10) as client:
        client.send_message(answer)

    page.reload()
    expect(page.get_by_text("I fold a paper strip into equal parts first.")).to_be_visible()
    reply = Post.objects.filter(thread=thread, author=maya).get()
    assert "a écrit" not in reply.body
    assert page.console_errors == []
