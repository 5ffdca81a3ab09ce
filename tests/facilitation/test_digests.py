"""Member digests (facilitation/digests.py): who is due when, what each member is told, once.

Emails go through the outbox to a real SMTP server (the `smtp_sink` fixture). Time is never
frozen: the functions take a fixed `now`, set after the content the test writes.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from communities import emails
from communities.models import Membership, Notification
from core.models import OutboxEmail
from documents.models import Document
from facilitation import digests, tasks
from facilitation.models import DigestDelivery
from facilitation.tasks import plan_digests, send_digest_batch
from forums import services as forum_services
from forums.models import ReadState
from tests.assessments.factories import answer, make_cycle, make_survey
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

# What a digest's subject says, in English and in French.
DIGEST_SUBJECTS = ("digest", "résumé")


def next_morning(*, weekday: int | None = None) -> datetime:
    """The first 08:00 UTC after now (on `weekday`, 0 = Monday, if given): a moment when a
    UTC member's digest is due that still has what the test just wrote in its window."""
    moment = timezone.now().astimezone(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    while moment <= timezone.now() or (weekday is not None and moment.weekday() != weekday):
        moment += timedelta(days=1)
    return moment


def digests_to(sink, address: str) -> list:
    return [m for m in sink.to(address) if any(w in m["Subject"].lower() for w in DIGEST_SUBJECTS)]


def old_membership(community, user, **fields) -> Membership:
    """A membership begun long ago: not "a new member" of any digest window."""
    return MembershipFactory(
        community=community, user=user, joined_at=timezone.now() - timedelta(days=60), **fields
    )


def settle_memberships() -> None:
    """Everybody already in the tests' communities joined long ago (not news)."""
    Membership.objects.update(joined_at=timezone.now() - timedelta(days=60))


def document_in(community, title: str, *, by=None, trashed: bool = False) -> Document:
    return Document.objects.create(
        community=community,
        title=title,
        kind=Document.Kind.TEXT,
        content_type="text/plain",
        uploaded_by=by,
        trashed_at=timezone.now() if trashed else None,
    )


@pytest.fixture
def replies_in_digest(monkeypatch):
    """Replies in watched threads are told in the digest (their kind's default)."""
    monkeypatch.setitem(emails.KIND_OF_EVENT, "post.reply", "replies")


def run(user_ids, now, capture):
    with capture(execute=True):
        return send_digest_batch(list(user_ids), now=now)


# --- Timing -----------------------------------------------------------------------------------


def test_digests_period_keys_follow_the_local_date_and_iso_week():
    assert digests.period_key("daily", datetime(2026, 12, 7).date()) == "daily:2026-12-07"
    assert digests.period_key("weekly", datetime(2026, 12, 7).date()) == "weekly:2026-W50"
    # 2027-01-01 is in ISO week 53 of 2026.
    assert digests.period_key("weekly", datetime(2027, 1, 1).date()) == "weekly:2026-W53"


def test_digests_weekly_on_monday_morning_only():
    monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert digests.due_period("weekly", monday) == "weekly:2026-W50"
    assert digests.due_period("weekly", monday - timedelta(minutes=1)) is None
    assert digests.due_period("weekly", monday + timedelta(days=1)) is None
    assert digests.due_period("daily", monday + timedelta(days=1)) == "daily:2026-12-08"
    assert digests.due_period("off", monday) is None


def test_digests_due_in_each_members_morning(cast):
    paris = UserFactory(time_zone="Europe/Paris", digest_frequency="daily")
    montreal = UserFactory(time_zone="America/Montreal", digest_frequency="daily")
    weekly_tokyo = UserFactory(time_zone="Asia/Tokyo")
    off = UserFactory(digest_frequency="off")
    unsubscribed = UserFactory(email_preferences={"digest": "off"}, digest_frequency="daily")
    for user in (paris, montreal, weekly_tokyo, off, unsubscribed):
        old_membership(cast.public, user)
    candidates = {paris.pk, montreal.pk, weekly_tokyo.pk, off.pk, unsubscribed.pk}

    def due(now):
        return set(digests.due_member_ids(now=now)) & candidates

    # Monday 2026-12-07, 06:30 UTC: 07:30 in Paris, 01:30 in Montreal, 15:30 in Tokyo.
    assert due(datetime(2026, 12, 7, 6, 30, tzinfo=UTC)) == {paris.pk, weekly_tokyo.pk}
    # 05:59 UTC: 06:59 in Paris, not yet.
    assert paris.pk not in due(datetime(2026, 12, 7, 5, 59, tzinfo=UTC))
    # 12:00 UTC: 07:00 in Montreal.
    assert montreal.pk in due(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo (its Monday), 00:30 in Paris (too early) and
    # Sunday 18:30 in Montreal (Sunday's daily digest).
    assert due(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == {weekly_tokyo.pk, montreal.pk}
    # Tuesday: no weekly digest anywhere.
    assert weekly_tokyo.pk not in due(datetime(2026, 12, 8, 6, 30, tzinfo=UTC))

    DigestDelivery.objects.create(
        user=paris,
        period="daily:2026-12-07",
        frequency="daily",
        since=timezone.now(),
        until=timezone.now(),
    )
    assert paris.pk not in due(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert paris.pk in due(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))


def test_digests_plan_hands_out_batches_of_fifty(cast, monkeypatch):
    community = CommunityFactory()
    users = [UserFactory(digest_frequency="daily") for _ in range(120)]
    for user in users:
        old_membership(community, user)
    batches = []

    def delay_in_batches(task, ids, *, size):
        batches.extend(ids[start : start + size] for start in range(0, len(ids), size))
        return True

    monkeypatch.setattr(tasks, "delay_in_batches", delay_in_batches)

    count = plan_digests(now=datetime(2026, 12, 8, 9, 0, tzinfo=UTC))

    assert count >= 120
    assert all(len(batch) <= 50 for batch in batches)
    assert {user.pk for user in users} <= {pk for batch in batches for pk in batch}


# --- What each member is told -------------------------------------------------------------------


def test_digests_content_per_member_and_nothing_private_leaks(
    cast, smtp_sink, django_capture_on_commit_callbacks, settings
):
    settings.COP_SITE_URL = "https://praxis.example"
    settle_memberships()
    public_forum = forum_in(cast.public)
    private_forum = forum_in(cast.private)
    other_forum = forum_in(cast.other)
    shown = start_thread(public_forum, cast.facilitator, title="Opening a lesson with a puzzle")
    secret = start_thread(private_forum, cast.organizer, title="Budget of the closed circle")
    elsewhere = start_thread(other_forum, cast.other_member, title="Only for Elsewhere")
    hidden = start_thread(public_forum, cast.facilitator, title="A thread moderation hid")
    forum_services.hide_thread(hidden, actor=cast.facilitator, reason="Off topic")
    busy = start_thread(public_forum, cast.organizer, title="Homework policies")
    hidden_reply = forum_services.reply(busy, actor=cast.facilitator, body="Rude words here")
    forum_services.hide_post(hidden_reply, actor=cast.organizer, reason="Rude")
    document_in(cast.public, "Observation grid", by=cast.facilitator)
    document_in(cast.public, "Thrown away notes", by=cast.facilitator, trashed=True)
    document_in(cast.other, "Elsewhere handbook")
    newcomer = UserFactory(display_name="Nadia Newcomer")
    MembershipFactory(community=cast.private, user=newcomer)
    survey = make_survey(cast.public, title="Pulse")
    cycle = make_cycle(survey, title="December pulse", started_days_ago=0)
    now = next_morning(weekday=0)

    run([cast.member.pk, cast.other_member.pk], now, django_capture_on_commit_callbacks)

    [mine] = digests_to(smtp_sink, cast.member.email)
    text, html = smtp_sink.text_of(mine), smtp_sink.html_of(mine)
    assert "https://praxis.example" + shown.get_absolute_url() in text
    assert shown.title in html and "https://praxis.example" + shown.get_absolute_url() in html
    assert secret.title in text  # a private community the member belongs to
    assert "Homework policies" in text
    assert "Observation grid" in text
    assert "Nadia Newcomer" in text
    assert "December pulse" in text and cycle.get_absolute_url() in text
    for absent in (elsewhere.title, hidden.title, "Rude words", "Thrown away", "Elsewhere"):
        assert absent not in text and absent not in html
    assert str(mine["List-Unsubscribe"]).strip().startswith("<https://praxis.example")
    assert mine["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://praxis.example/email/unsubscribe/" in text

    [theirs] = digests_to(smtp_sink, cast.other_member.email)
    other_text = smtp_sink.text_of(theirs) + smtp_sink.html_of(theirs)
    assert "Elsewhere handbook" in other_text and elsewhere.title not in other_text
    for absent in (shown.title, secret.title, "Observation grid", "Nadia", "December pulse"):
        assert absent not in other_text


def test_digests_leave_out_a_community_the_member_left_or_is_suspended_from(
    cast, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    start_thread(forum_in(cast.private), cast.organizer, title="Closed circle news")
    start_thread(forum_in(cast.public), cast.organizer, title="Open practice news")
    Membership.objects.filter(user=cast.member, community=cast.private).update(
        state=Membership.State.SUSPENDED
    )

    run([cast.member.pk], next_morning(weekday=0), django_capture_on_commit_callbacks)

    [mine] = digests_to(smtp_sink, cast.member.email)
    assert "Open practice news" in smtp_sink.text_of(mine)
    assert "Closed circle" not in smtp_sink.text_of(mine)


def test_digests_assessment_already_answered_is_not_listed(
    cast, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    survey = make_survey(cast.public, title="Pulse")
    cycle = make_cycle(survey, title="December pulse", started_days_ago=0)
    answer(cycle, cast.member, {"Useful?": 4, "Trust?": 3, "Role?": "Teacher"})
    start_thread(forum_in(cast.public), cast.organizer, title="Something to read")

    run(
        [cast.member.pk, cast.facilitator.pk],
        next_morning(weekday=0),
        django_capture_on_commit_callbacks,
    )

    [mine] = digests_to(smtp_sink, cast.member.email)
    assert "December pulse" not in smtp_sink.text_of(mine)
    [theirs] = digests_to(smtp_sink, cast.facilitator.email)
    assert "December pulse" in smtp_sink.text_of(theirs)


def test_digests_in_the_members_language_and_time_zone(
    cast, smtp_sink, django_capture_on_commit_callbacks, replies_in_digest
):
    settle_memberships()
    User.objects.filter(pk=cast.member.pk).update(
        language="fr", time_zone="Europe/Paris", digest_frequency="daily"
    )
    thread = start_thread(forum_in(cast.public), cast.member, title="Ouvrir une leçon")
    forum_services.reply(thread, actor=cast.facilitator, body="Avec une énigme.")
    survey = make_survey(cast.public, title="Pulse")
    make_cycle(survey, title="Pouls de décembre", started_days_ago=0)
    now = next_morning()

    run([cast.member.pk], now, django_capture_on_commit_callbacks)

    [mine] = digests_to(smtp_sink, cast.member.email)
    text, html = smtp_sink.text_of(mine), smtp_sink.html_of(mine)
    assert 'lang="fr"' in html
    assert "Votre résumé du jour" in mine["Subject"]
    assert "Les nouveautés de vos communautés depuis le" in text
    # Dates in French, in Paris time: the window began 24 hours before, at 09:00 in Paris.
    since = (now - timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris"))
    french_months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    assert french_months[since.month - 1] in text
    assert "09:00" in text
    # The reply notice, told in French; the assessment link, in French.
    assert f"{cast.facilitator.name} a répondu dans « Ouvrir une leçon »." in text
    assert "Répondre" in html


def test_digests_render_a_community_part_once_for_members_who_get_the_same(
    cast, smtp_sink, django_capture_on_commit_callbacks, monkeypatch
):
    """The part of a community is rendered once a process for all who get the same content in
    the same language, and again for anything that differs (content, language, a new name)."""
    monkeypatch.setattr(digests, "_PARTS", digests.OrderedDict())
    settle_memberships()
    readers = [UserFactory(display_name=f"Reader {n}") for n in range(3)]
    french = UserFactory(display_name="Lectrice", language="fr")
    for person in (*readers, french):
        old_membership(cast.public, person)
    thread = start_thread(forum_in(cast.public), cast.facilitator, title="Opening with a puzzle")
    now = next_morning(weekday=0)
    rendered = []
    monkeypatch.setattr(
        digests,
        "render_to_string",
        lambda name, context, **kw: rendered.append(name) or render_to_string(name, context, **kw),
    )

    run([p.pk for p in (*readers, french)], now, django_capture_on_commit_callbacks)

    # Three English readers with the same news share one rendering; the French reader has hers.
    assert len(rendered) == 2 * 2  # (English, French) × (HTML, text)
    for person in readers:
        [mail] = digests_to(smtp_sink, person.email)
        assert thread.title in smtp_sink.text_of(mail) and thread.title in smtp_sink.html_of(mail)
    [french_mail] = digests_to(smtp_sink, french.email)
    assert "Nouvelles discussions" in smtp_sink.text_of(french_mail)

    # Renamed, the community's part is rendered anew: nothing stale is sent.
    cast.public.name = "Renamed circle"
    cast.public.save(update_fields=["name"])
    # The same period again, forgotten: the same news, under the new name.
    DigestDelivery.objects.all().delete()
    OutboxEmail.objects.filter(key__startswith="digest:").delete()
    rendered.clear()
    run([readers[0].pk], now, django_capture_on_commit_callbacks)
    assert len(rendered) == 2
    latest = digests_to(smtp_sink, readers[0].email)[-1]
    assert "Renamed circle" in smtp_sink.text_of(latest)


def test_digests_mark_the_notifications_they_told(
    cast, smtp_sink, django_capture_on_commit_callbacks, replies_in_digest
):
    settle_memberships()
    thread = start_thread(forum_in(cast.public), cast.member, title="Watched by its starter")
    forum_services.reply(thread, actor=cast.facilitator, body="A reply.")
    [notice] = Notification.objects.filter(recipient=cast.member, verb="post.reply")
    assert notice.emailed_at is None
    now = next_morning(weekday=0)

    run([cast.member.pk], now, django_capture_on_commit_callbacks)

    notice.refresh_from_db()
    assert notice.emailed_at == now
    [mine] = digests_to(smtp_sink, cast.member.email)
    assert "Watched by its starter" in smtp_sink.text_of(mine)


# --- Once, and only when there is something new -------------------------------------------------


def test_digests_batch_task_sends_its_own_emails_after_its_commit(
    cast, smtp_sink, django_capture_on_commit_callbacks, monkeypatch
):
    """The batch task sends the digests it queued itself, over one connection, rather than
    handing them to outbox tasks; they were in the outbox before it sent them."""
    from core import outbox

    settle_memberships()
    start_thread(forum_in(cast.public), cast.facilitator, title="Sent from the batch")
    handed_out = []
    monkeypatch.setattr(outbox, "dispatch", handed_out.append)
    now = next_morning(weekday=0)

    run([cast.member.pk], now, django_capture_on_commit_callbacks)

    assert handed_out == []
    [mine] = digests_to(smtp_sink, cast.member.email)
    assert "Sent from the batch" in smtp_sink.text_of(mine)
    assert OutboxEmail.objects.get(key__startswith=f"digest:{cast.member.pk}:").sent_at


def test_digests_a_task_run_twice_sends_once(cast, smtp_sink, django_capture_on_commit_callbacks):
    settle_memberships()
    start_thread(forum_in(cast.public), cast.organizer, title="News of the week")
    now = next_morning(weekday=0)

    first = run([cast.member.pk], now, django_capture_on_commit_callbacks)
    second = run([cast.member.pk], now, django_capture_on_commit_callbacks)
    third = run([cast.member.pk], now + timedelta(hours=2), django_capture_on_commit_callbacks)

    assert (first, second, third) == (1, 0, 0)
    assert len(digests_to(smtp_sink, cast.member.email)) == 1
    [delivery] = DigestDelivery.objects.filter(user=cast.member)
    period = digests.period_key("weekly", now.date())
    assert delivery.period == period and not delivery.empty
    assert delivery.email_key == f"digest:{cast.member.pk}:{period}"


def test_digests_empty_period_sends_nothing_but_is_claimed(
    cast, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    now = next_morning(weekday=0)

    assert run([cast.member.pk], now, django_capture_on_commit_callbacks) == 0

    assert digests_to(smtp_sink, cast.member.email) == []
    [delivery] = DigestDelivery.objects.filter(user=cast.member)
    assert delivery.empty and delivery.email_key == ""
    assert cast.member.pk not in digests.due_member_ids(now=now)


def test_digests_none_for_a_member_who_read_everything(
    cast, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    thread = start_thread(forum_in(cast.public), cast.organizer, title="Already read")
    forum_services.reply(thread, actor=cast.facilitator, body="And this too.")
    ReadState.objects.create(user=cast.member, thread=thread, last_read_number=2)

    run([cast.member.pk], next_morning(weekday=0), django_capture_on_commit_callbacks)

    assert digests_to(smtp_sink, cast.member.email) == []
    assert DigestDelivery.objects.get(user=cast.member).empty


def test_digests_next_window_starts_where_the_last_ended(
    cast, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    User.objects.filter(pk=cast.member.pk).update(digest_frequency="daily")
    start_thread(forum_in(cast.public), cast.organizer, title="Told yesterday")
    now = next_morning()
    run([cast.member.pk], now, django_capture_on_commit_callbacks)
    assert len(digests_to(smtp_sink, cast.member.email)) == 1

    run([cast.member.pk], now + timedelta(days=1), django_capture_on_commit_callbacks)

    assert len(digests_to(smtp_sink, cast.member.email)) == 1
    deliveries = DigestDelivery.objects.filter(user=cast.member).order_by("until")
    assert [d.empty for d in deliveries] == [False, True]
    assert deliveries[1].since == deliveries[0].until


# --- Cost -----------------------------------------------------------------------------------


def _batch_queries(threads_per_community: int, django_capture_on_commit_callbacks) -> int:
    communities = [CommunityFactory() for _ in range(2)]
    members = [UserFactory() for _ in range(6)]
    for index, user in enumerate(members):
        old_membership(communities[index % 2], user)
    author = UserFactory()
    for community in communities:
        old_membership(community, author)
        forum = forum_in(community)
        for n in range(threads_per_community):
            thread = start_thread(forum, author, title=f"Thread {n}")
            forum_services.reply(thread, actor=author, body="More.")
        document_in(community, f"Doc of {community.slug}", by=author)
    now = next_morning(weekday=0)
    with CaptureQueriesContext(connection) as queries:
        sent = send_digest_batch([user.pk for user in members], now=now)
    assert sent == len(members)
    return len(queries)


def test_digests_batch_query_count_does_not_grow_with_activity(
    db, django_capture_on_commit_callbacks
):
    few = _batch_queries(3, django_capture_on_commit_callbacks)
    DigestDelivery.objects.all().delete()
    many = _batch_queries(30, django_capture_on_commit_callbacks)
    assert few == many


def test_digests_batch_query_count_does_not_grow_with_members(db):
    community = CommunityFactory()
    author = UserFactory()
    old_membership(community, author)
    start_thread(forum_in(community), author, title="Something")
    now = next_morning(weekday=0)

    def cost(count):
        members = [UserFactory() for _ in range(count)]
        for user in members:
            old_membership(community, user)
        with CaptureQueriesContext(connection) as queries:
            assert send_digest_batch([u.pk for u in members], now=now) == count
        return len(queries)

    assert cost(2) == cost(20)


# --- The test digest ---------------------------------------------------------------------------


def test_digest_test_sends_now_without_using_the_period(
    cast, client_for, smtp_sink, django_capture_on_commit_callbacks
):
    settle_memberships()
    client = client_for("member")
    url = reverse("digest_test")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("email_preferences")
    [message] = digests_to(smtp_sink, cast.member.email)
    assert "Nothing new" in smtp_sink.text_of(message)
    [delivery] = DigestDelivery.objects.filter(user=cast.member)
    assert delivery.is_test and delivery.period.startswith("test:")
    # The real period is still due.
    assert cast.member.pk in digests.due_member_ids(now=next_morning(weekday=0))

    # Once a minute.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(digests_to(smtp_sink, cast.member.email)) == 1


def test_digest_test_needs_login_and_post(cast, client_for, anon_client):
    url = reverse("digest_test")
    assert anon_client.post(url).status_code == 302
    assert "login" in anon_client.post(url)["Location"]
    assert client_for("member").get(url).status_code == 405
