"""Facilitator reminders (issue 15, item 3): one email a day, in the facilitator's morning, only
when something needs them, over a real SMTP server (the `smtp_sink` fixture)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Activity, Community, HelpRequest, JoinRequest, Membership
from core.models import OutboxEmail
from facilitation import reminders
from facilitation.tasks import send_facilitator_reminders
from forums.models import Flag, Forum, Post, Thread
from tests.assessments.factories import make_cycle, make_survey
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import forum_in
from tests.smtp import SmtpSink

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris_at(hour: int, minute: int = 0, *, day_offset: int = 1) -> datetime:
    """Tomorrow (by default) at this hour in Paris: after anything the test creates now."""
    today = timezone.now().astimezone(PARIS).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), tzinfo=PARIS)


def facilitator_of(community, **fields):
    user = UserFactory(time_zone="Europe/Paris", **fields)
    MembershipFactory(community=community, user=user, role=Membership.Role.FACILITATOR)
    return user


def requesting_community(**fields):
    return CommunityFactory(join_policy=Community.JoinPolicy.REQUEST, **fields)


def join_request(community, name="Zoé Martin"):
    return JoinRequest.objects.create(
        community=community, user=UserFactory(display_name=name), message="Hello"
    )


def help_request(community, subject="How do I share a video?"):
    asker = UserFactory()
    MembershipFactory(community=community, user=asker)
    return HelpRequest.objects.create(community=community, asker=asker, subject=subject)


def run(now, captured):
    with captured(execute=True):
        return send_facilitator_reminders(now=now)


def test_reminders_list_a_join_request_and_a_help_request_with_links(
    smtp_sink, django_capture_on_commit_callbacks
):
    community = requesting_community(name="Geometry Teachers")
    facilitator = facilitator_of(community)
    join_request(community, name="Zoé Martin")
    request = help_request(community, subject="How do I share a video?")

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    [message] = smtp_sink.to(facilitator.email)
    assert (
        message["Subject"]
        == f"[{settings.COP_SITE_NAME}] What needs you today in Geometry Teachers"
    )
    text = SmtpSink.text_of(message)
    html = SmtpSink.html_of(message)
    site, slug = settings.COP_SITE_URL, community.slug
    assert "1 person asks to join." in text
    assert "Zoé Martin" in text
    assert f"{site}/c/{slug}/requests/" in text
    assert "1 help request waits for an answer." in text
    assert "How do I share a video?" in text
    assert f"{site}/c/{slug}/help/{request.pk}/" in text
    assert f"{site}/c/{slug}/facilitate/" in text
    assert f'href="{site}/c/{slug}/help/{request.pk}/"' in html
    assert f'href="{site}/c/{slug}/requests/"' in html
    assert "Zoé Martin" in html
    # Nothing else waits: no review queue, no unanswered thread, no assessment.
    assert "review queue" not in text
    assert "no answer" not in text
    # One-click unsubscribe from the reminders, and the link in the footer.
    assert str(message["List-Unsubscribe"]).strip().startswith(f"<{site}/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{site}/email/unsubscribe/" in text
    assert OutboxEmail.objects.filter(
        key=f"reminder:{facilitator.pk}:{paris_at(8, 5).date().isoformat()}"
    ).exists()


def test_reminders_nothing_pending_sends_nothing(smtp_sink, django_capture_on_commit_callbacks):
    community = requesting_community()
    facilitator = facilitator_of(community)
    # Answered already: nothing waits.
    JoinRequest.objects.create(
        community=community, user=UserFactory(), message="Hi", state=JoinRequest.State.APPROVED
    )

    run(paris_at(8, 30), django_capture_on_commit_callbacks)

    assert smtp_sink.to(facilitator.email) == []
    assert not OutboxEmail.objects.filter(key__startswith="reminder:").exists()


def test_reminders_wait_for_eight_in_the_facilitators_time_zone(
    smtp_sink, django_capture_on_commit_callbacks
):
    community = requesting_community()
    facilitator = facilitator_of(community)
    join_request(community)

    run(paris_at(7, 55), django_capture_on_commit_callbacks)
    assert smtp_sink.to(facilitator.email) == []

    run(paris_at(8, 0), django_capture_on_commit_callbacks)
    assert len(smtp_sink.to(facilitator.email)) == 1


def test_reminders_follow_each_persons_time_zone(smtp_sink, django_capture_on_commit_callbacks):
    community = requesting_community()
    paris = facilitator_of(community)
    tokyo = UserFactory(time_zone="Asia/Tokyo")
    MembershipFactory(community=community, user=tokyo, role=Membership.Role.ORGANIZER)
    join_request(community)

    run(paris_at(8, 15), django_capture_on_commit_callbacks)  # 16:15 in Tokyo: afternoon

    assert len(smtp_sink.to(paris.email)) == 1
    assert smtp_sink.to(tokyo.email) == []


def test_reminders_a_second_run_the_same_day_sends_nothing(
    smtp_sink, django_capture_on_commit_callbacks
):
    community = requesting_community()
    facilitator = facilitator_of(community)
    join_request(community)

    run(paris_at(8, 5), django_capture_on_commit_callbacks)
    run(paris_at(8, 20), django_capture_on_commit_callbacks)
    # A redelivered batch, straight to the batch task.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_reminders([facilitator.pk], now=paris_at(9, 40)) == 0

    assert len(smtp_sink.to(facilitator.email)) == 1
    # The next morning is a new day.
    run(paris_at(8, 5, day_offset=2), django_capture_on_commit_callbacks)
    assert len(smtp_sink.to(facilitator.email)) == 2


def test_reminders_turned_off_send_nothing(smtp_sink, django_capture_on_commit_callbacks):
    community = requesting_community()
    facilitator = facilitator_of(community, email_preferences={"reminders": "off"})
    join_request(community)

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    assert smtp_sink.to(facilitator.email) == []


def test_reminders_only_tell_each_facilitator_their_own_communities(
    smtp_sink, django_capture_on_commit_callbacks
):
    mine = requesting_community(name="Mine")
    theirs = requesting_community(name="Theirs")
    facilitator = facilitator_of(mine)
    member = UserFactory(time_zone="Europe/Paris")
    MembershipFactory(community=mine, user=member)  # a plain member: no reminder
    other = facilitator_of(theirs)
    join_request(mine, name="Ada Mine")
    join_request(theirs, name="Bob Theirs")
    help_request(theirs, subject="A private question of Theirs")

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    text = SmtpSink.text_of(smtp_sink.to(facilitator.email)[0])
    assert "Ada Mine" in text
    assert "Bob Theirs" not in text
    assert "A private question" not in text
    assert f"/c/{theirs.slug}/" not in text
    assert smtp_sink.to(member.email) == []
    other_text = SmtpSink.text_of(smtp_sink.to(other.email)[0])
    assert "Bob Theirs" in other_text and "Ada Mine" not in other_text


def test_reminders_one_email_covers_every_community_facilitated(
    smtp_sink, django_capture_on_commit_callbacks
):
    first = requesting_community(name="First")
    second = requesting_community(name="Second")
    facilitator = facilitator_of(first)
    MembershipFactory(community=second, user=facilitator, role=Membership.Role.ORGANIZER)
    join_request(first, name="Ada First")
    help_request(second, subject="Second question")

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    [message] = smtp_sink.to(facilitator.email)
    assert "in your 2 communities" in message["Subject"]
    text = SmtpSink.text_of(message)
    assert "Ada First" in text and "Second question" in text


def test_reminders_leave_out_archived_communities_and_suspended_facilitators(
    smtp_sink, django_capture_on_commit_callbacks
):
    active = requesting_community(name="Active one")
    archived = requesting_community(name="Archived one", status=Community.Status.ARCHIVED)
    facilitator = facilitator_of(active)
    MembershipFactory(community=archived, user=facilitator, role=Membership.Role.ORGANIZER)
    only_archived = facilitator_of(archived)
    suspended = UserFactory(time_zone="Europe/Paris")
    MembershipFactory(
        community=active,
        user=suspended,
        role=Membership.Role.FACILITATOR,
        state=Membership.State.SUSPENDED,
    )
    join_request(active, name="Ada Active")
    join_request(archived, name="Bob Archived")
    help_request(archived, subject="Archived question")

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    text = SmtpSink.text_of(smtp_sink.to(facilitator.email)[0])
    assert "Ada Active" in text
    assert "Bob Archived" not in text and "Archived question" not in text
    assert smtp_sink.to(only_archived.email) == []
    assert smtp_sink.to(suspended.email) == []


def test_reminders_tell_the_review_queue_unanswered_threads_and_closing_assessments(
    smtp_sink, django_capture_on_commit_callbacks
):
    community = CommunityFactory(name="Planners")
    facilitator = facilitator_of(community)
    members = [UserFactory() for _ in range(3)]
    for person in members:
        MembershipFactory(community=community, user=person)
    now = paris_at(8, 5)
    thread = _unanswered_thread(community, members[0], "Zoning rules in old towns", now)
    post = thread.posts.get()
    Flag.objects.create(post=post, user=members[1], reason=Flag.Reason.SPAM)
    survey = make_survey(community)
    cycle = make_cycle(survey, title="Spring pulse", opens_at=now - timedelta(days=10))
    cycle.closes_at = now + timedelta(days=2)
    cycle.save(update_fields=["closes_at"])
    make_cycle(survey, title="Far away", opens_at=now - timedelta(days=1))  # closes in 13 days

    run(now, django_capture_on_commit_callbacks)

    text = SmtpSink.text_of(smtp_sink.to(facilitator.email)[0])
    site, slug = settings.COP_SITE_URL, community.slug
    assert "1 post waits in the review queue" in text
    assert "… and" not in text
    assert f"{site}/c/{slug}/facilitate/moderation/" in text
    assert "1 thread has had no answer for more than 48 hours." in text
    assert "Zoning rules in old towns" in text
    assert f"{site}/c/{slug}/t/{thread.pk}/" in text
    assert "1 assessment closes within 3 days." in text
    assert "Spring pulse" in text and "Far away" not in text
    # 4 active members (3 and the facilitator), none answered yet.
    assert "0 of 4 members answered (0%)" in text
    assert f"{site}/c/{slug}/assessments/cycles/{cycle.pk}/" in text


def test_reminders_are_in_the_facilitators_language(smtp_sink, django_capture_on_commit_callbacks):
    community = requesting_community()
    facilitator = facilitator_of(community, language="fr")
    join_request(community)

    run(paris_at(8, 5), django_capture_on_commit_callbacks)

    [message] = smtp_sink.to(facilitator.email)
    assert '<html lang="fr">' in SmtpSink.html_of(message)


def drifting(community, person, now):
    """Active (8 contributions) in the previous 90 days, silent since."""
    MembershipFactory(community=community, user=person, joined_at=now - timedelta(days=300))
    Activity.objects.bulk_create(
        Activity(
            community=community,
            actor=person,
            verb="post.create",
            summary="",
            created_at=now - timedelta(days=100 + day),
        )
        for day in range(8)
    )


def test_reminders_tell_members_drifting_to_inactive(smtp_sink, django_capture_on_commit_callbacks):
    community = CommunityFactory()
    facilitator = facilitator_of(community)
    now = paris_at(8, 5)
    drifting(community, UserFactory(display_name="Quiet Quentin"), now)

    run(now, django_capture_on_commit_callbacks)

    text = SmtpSink.text_of(smtp_sink.to(facilitator.email)[0])
    assert "1 member who used to take part is drifting away." in text
    assert "Quiet Quentin (now inactive)" in text
    assert f"{settings.COP_SITE_URL}/c/{community.slug}/facilitate/" in text


def _unanswered_thread(community, author, title, now):
    forum = Forum.objects.filter(community=community).first() or forum_in(community)
    created = now - timedelta(days=3)
    thread = Thread.objects.create(
        community=community,
        forum=forum,
        title=title,
        author=author,
        created_at=created,
        post_count=1,
        next_number=2,
    )
    post = Post(thread=thread, number=1, author=author, body="Q", body_html="<p>Q</p>")
    post.created_at = created
    post.save()
    return thread


def _busy_community(size: int, now):
    """A community waiting on its facilitators with `size` of everything."""
    community = requesting_community()
    facilitators = [facilitator_of(community) for _ in range(3)]
    members = [UserFactory() for _ in range(size)]
    for person in members:
        MembershipFactory(community=community, user=person)
    for number in range(size):
        join_request(community, name=f"Applicant {number}")
        HelpRequest.objects.create(
            community=community, asker=members[number], subject=f"Question {number}"
        )
        thread = _unanswered_thread(community, members[number], f"Thread {number}", now)
        Flag.objects.create(post=thread.posts.get(), user=members[0], reason=Flag.Reason.SPAM)
    for _number in range(size):
        drifting(community, UserFactory(), now)
    survey = make_survey(community)
    for number in range(size):
        cycle = make_cycle(survey, title=f"Cycle {number}", opens_at=now - timedelta(days=5))
        cycle.closes_at = now + timedelta(days=1)
        cycle.save(update_fields=["closes_at"])
    return community, facilitators


def test_reminders_batch_query_count_does_not_grow_with_what_waits(
    django_capture_on_commit_callbacks,
):
    now = paris_at(8, 5)
    small, small_people = _busy_community(1, now)
    large, large_people = _busy_community(12, now)

    def queries(people) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            assert reminders.send_reminders([p.pk for p in people], now=now) == len(people)
        return len(captured), [query["sql"] for query in captured]

    queries(small_people[:1])  # warm the per-process caches (content types, templates)
    OutboxEmail.objects.all().delete()
    small_count, small_sql = queries(small_people)
    large_count, large_sql = queries(large_people)

    assert small_count == large_count, "\n".join(sql for sql in large_sql if sql not in small_sql)
    # Three facilitators share one computation of their community.
    assert large_count < 45, large_count
