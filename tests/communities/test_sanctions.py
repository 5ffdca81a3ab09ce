"""Timed sanctions: silencing (read, not post) and suspensions that end on a chosen day, lifted by
the periodic task when their time is up."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from communities import services
from communities.models import AuditEvent, Membership, Notification
from forums import services as forum_services
from forums.models import Post, Thread
from tests.communities.helpers import after_redirect, text
from tests.conftest import require
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "Three hostile replies in one evening, after a warning."


def _membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)


def _shown(moment: datetime, format_name: str) -> str:
    """A moment as the English pages of a UTC reader show it."""
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment), format_name)


def _silence(client, membership, *, reason=REASON, days="5"):
    data = {key: value for key, value in (("reason", reason), ("days", days)) if value is not None}
    return client.post(f"/c/{membership.community.slug}/members/{membership.pk}/silence/", data)


def _thread(cast, community=None) -> Thread:
    community = community or cast.private
    forum = forum_services.create_forum(
        community, actor=cast.organizer, name="Lesson studies", slug="lesson-studies"
    )
    return forum_services.start_thread(
        forum,
        actor=cast.facilitator,
        title="How do you open a lesson?",
        body="With a question the class cares about.",
    )


@pytest.fixture
def silenced(cast, facilitator_client) -> Membership:
    membership = _membership(cast.private, cast.member)
    response = _silence(facilitator_client, membership)
    assert response.status_code == 302, response.status_code
    membership.refresh_from_db()
    return membership


# --- Silencing ------------------------------------------------------------------------------


def test_sanctions_facilitator_silences_a_member_for_some_days(cast, facilitator_client):
    membership = _membership(cast.private, cast.member)
    form = facilitator_client.get(f"/c/closed-circle/members/{membership.pk}/silence/")
    before = timezone.now()

    response = _silence(facilitator_client, membership, days="5")

    assert form.status_code == 200
    assert "Silence Mateo Member" in text(form)
    assert "Mateo Member is silenced." in after_redirect(facilitator_client, response)
    membership.refresh_from_db()
    assert membership.is_active
    assert membership.is_silenced
    assert membership.silenced_reason == REASON
    assert membership.silenced_by == cast.facilitator
    assert before + timedelta(days=5) <= membership.silenced_until
    assert membership.silenced_until <= timezone.now() + timedelta(days=5)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_label) == (
        "member.silence",
        cast.facilitator,
        "Mateo Member",
    )
    assert event.details == {"reason": REASON, "until": membership.silenced_until.isoformat()}
    # Only this community: the same person may still post elsewhere.
    assert not _membership(cast.public, cast.member).is_silenced


@pytest.mark.parametrize(
    ("reason", "days"),
    [(None, "5"), ("", "5"), ("   ", "5"), (REASON, None), (REASON, ""), (REASON, "0")],
)
def test_sanctions_silence_needs_a_reason_and_a_number_of_days(
    cast, facilitator_client, reason, days
):
    membership = _membership(cast.private, cast.member)

    response = _silence(facilitator_client, membership, reason=reason, days=days)

    assert response.status_code == 400
    page = text(response)
    assert "This field is required." in page or "greater than or equal to 1" in page
    membership.refresh_from_db()
    assert membership.silenced_until is None
    assert not AuditEvent.objects.exists()
    assert not Notification.objects.exists()


def test_sanctions_silenced_member_reads_but_cannot_reply(cast, silenced, member_client):
    thread = _thread(cast)
    until = _shown(silenced.silenced_until, "DATETIME_FORMAT")

    page = member_client.get(f"/c/closed-circle/t/{thread.pk}/")
    reply = member_client.post(
        f"/c/closed-circle/t/{thread.pk}/reply/", {"body": "I disagree, loudly."}
    )

    assert page.status_code == 200
    assert "With a question the class cares about." in text(page)
    assert f"You cannot post here until {until}; you can still read." in text(page)
    assert "Post reply" not in text(page)
    assert reply.status_code == 403
    assert not Post.objects.filter(body="I disagree, loudly.").exists()
    thread.refresh_from_db()
    assert thread.posts.count() == 1


def test_sanctions_silenced_member_cannot_start_a_thread(cast, silenced, member_client):
    forum = _thread(cast).forum
    url = f"/c/closed-circle/f/{forum.slug}/new/"

    response = member_client.post(url, {"title": "Another", "body": "Still talking."})

    assert response.status_code in (403, 404)
    assert not Thread.objects.filter(title="Another").exists()


def test_sanctions_silenced_member_sees_the_notice_on_the_community_home(silenced, member_client):
    until = _shown(silenced.silenced_until, "DATETIME_FORMAT")

    response = member_client.get("/c/closed-circle/")

    assert response.status_code == 200
    assert (
        f"You cannot post in this community until {until} (you can still read): {REASON}"
        in text(response)
    )


def test_sanctions_others_do_not_see_the_notice_on_the_community_home(silenced, facilitator_client):
    assert "You cannot post in this community" not in text(
        facilitator_client.get("/c/closed-circle/")
    )


def test_sanctions_silenced_member_is_told_the_reason_and_the_end(cast, silenced):
    notification = Notification.objects.get(recipient=cast.member)
    until = _shown(silenced.silenced_until, "DATETIME_FORMAT")

    assert notification.verb == "member.silence"
    assert notification.community == cast.private
    assert notification.actor == cast.facilitator
    assert notification.text == (
        f"You cannot post in Closed Circle until {until} (you can still read): {REASON}"
    )


def test_sanctions_directory_shows_the_silence_to_facilitators_only(
    silenced, facilitator_client, member_client
):
    badge = f"Silenced until {_shown(silenced.silenced_until, 'SHORT_DATE_FORMAT')}"

    as_facilitator = text(facilitator_client.get("/c/closed-circle/members/"))
    as_member = text(member_client.get("/c/closed-circle/members/"))

    assert badge in as_facilitator
    assert "End the silence" in as_facilitator
    assert "Mateo Member" in as_member
    assert "Silenced" not in as_member
    assert "End the silence" not in as_member


def test_sanctions_unsilence_early_lets_the_member_post_again(
    cast, silenced, facilitator_client, member_client
):
    thread = _thread(cast)

    response = facilitator_client.post(f"/c/closed-circle/members/{silenced.pk}/unsilence/")
    reply = member_client.post(f"/c/closed-circle/t/{thread.pk}/reply/", {"body": "Thank you."})

    assert "Mateo Member can post again." in after_redirect(facilitator_client, response)
    silenced.refresh_from_db()
    assert silenced.silenced_until is None
    assert silenced.silenced_reason == ""
    assert silenced.silenced_by is None
    assert reply.status_code == 302
    assert thread.posts.filter(author=cast.member, body="Thank you.").exists()
    notification = Notification.objects.get(verb="member.unsilence")
    assert notification.recipient == cast.member
    assert notification.text == "You can post in Closed Circle again."
    events = AuditEvent.objects.filter(action__startswith="member.").order_by("id")
    assert list(events.values_list("action", "actor")) == [
        ("member.silence", cast.facilitator.pk),
        ("member.unsilence", cast.facilitator.pk),
    ]


def test_sanctions_unsilence_of_someone_not_silenced_changes_nothing(cast, facilitator_client):
    membership = _membership(cast.private, cast.member)

    response = facilitator_client.post(f"/c/closed-circle/members/{membership.pk}/unsilence/")

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()
    assert not Notification.objects.exists()


# --- Who may silence whom -------------------------------------------------------------------


def test_sanctions_facilitator_cannot_silence_an_organizer(cast, facilitator_client):
    organizer = _membership(cast.private, cast.organizer)

    form = facilitator_client.get(f"/c/closed-circle/members/{organizer.pk}/silence/")
    response = _silence(facilitator_client, organizer)

    assert form.status_code == 403
    assert response.status_code == 403
    organizer.refresh_from_db()
    assert organizer.silenced_until is None
    assert not AuditEvent.objects.exists()


def test_sanctions_facilitator_cannot_silence_another_facilitator(cast, facilitator_client):
    colleague = MembershipFactory(community=cast.private, role=Membership.Role.FACILITATOR)

    response = _silence(facilitator_client, colleague)

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.silenced_until is None


def test_sanctions_facilitator_cannot_silence_themselves(cast, facilitator_client):
    own = _membership(cast.private, cast.facilitator)

    assert _silence(facilitator_client, own).status_code == 403


def test_sanctions_organizer_can_silence_a_facilitator(cast, organizer_client):
    facilitator = _membership(cast.private, cast.facilitator)

    response = _silence(organizer_client, facilitator)

    assert response.status_code == 302
    facilitator.refresh_from_db()
    assert facilitator.is_silenced


def test_sanctions_silenced_facilitator_cannot_end_their_own_silence(
    cast, organizer_client, facilitator_client
):
    facilitator = _membership(cast.private, cast.facilitator)
    _silence(organizer_client, facilitator)

    response = facilitator_client.post(f"/c/closed-circle/members/{facilitator.pk}/unsilence/")

    assert response.status_code == 403
    facilitator.refresh_from_db()
    assert facilitator.is_silenced


def test_sanctions_facilitator_cannot_end_the_silence_of_a_colleague(
    cast, organizer_client, facilitator_client
):
    colleague = MembershipFactory(community=cast.private, role=Membership.Role.FACILITATOR)
    _silence(organizer_client, colleague)

    response = facilitator_client.post(f"/c/closed-circle/members/{colleague.pk}/unsilence/")

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_silenced


def test_sanctions_member_cannot_silence(cast, member_client):
    other = MembershipFactory(community=cast.private)

    assert _silence(member_client, other).status_code == 403


# --- Timed suspensions ----------------------------------------------------------------------


def test_sanctions_timed_suspension_shows_its_end(cast, facilitator_client, member_client):
    membership = _membership(cast.private, cast.member)
    before = timezone.now()

    response = facilitator_client.post(
        f"/c/closed-circle/members/{membership.pk}/suspend/", {"reason": REASON, "days": "7"}
    )

    assert "Mateo Member is suspended." in after_redirect(facilitator_client, response)
    membership.refresh_from_db()
    assert membership.state == Membership.State.SUSPENDED
    assert before + timedelta(days=7) <= membership.suspended_until
    assert membership.suspended_until <= timezone.now() + timedelta(days=7)
    until = membership.suspended_until
    home = member_client.get("/c/closed-circle/")
    assert home.status_code == 403
    assert f"The suspension ends on {_shown(until, 'DATETIME_FORMAT')}." in text(home)
    assert REASON in text(home)
    directory = text(facilitator_client.get("/c/closed-circle/members/"))
    assert f"Suspended until {_shown(until, 'SHORT_DATE_FORMAT')}" in directory
    notification = Notification.objects.get(recipient=cast.member)
    assert notification.text == (
        f"Your membership of Closed Circle is suspended until "
        f"{_shown(until, 'DATETIME_FORMAT')}: {REASON}"
    )
    event = AuditEvent.objects.get()
    assert event.details == {"reason": REASON, "until": until.isoformat()}


def test_sanctions_suspension_without_days_has_no_end(cast, facilitator_client, member_client):
    membership = _membership(cast.private, cast.member)

    facilitator_client.post(
        f"/c/closed-circle/members/{membership.pk}/suspend/", {"reason": REASON, "days": ""}
    )

    membership.refresh_from_db()
    assert membership.state == Membership.State.SUSPENDED
    assert membership.suspended_until is None
    assert "The suspension ends on" not in text(member_client.get("/c/closed-circle/"))


# --- Lifting what has expired ---------------------------------------------------------------


@pytest.fixture
def sanctions(cast):
    """Two expired sanctions and two running ones, all set at `start`; `later` is a day on."""
    start = timezone.now()
    soon, far = start + timedelta(hours=1), start + timedelta(days=3)
    people = {name: UserFactory(display_name=name) for name in ("Ana", "Ben", "Cleo", "Dev")}
    rows = {name: MembershipFactory(community=cast.private, user=p) for name, p in people.items()}
    actor = cast.facilitator
    services.suspend_member(rows["Ana"], actor=actor, reason="spam", until=soon)
    services.silence_member(rows["Ben"], actor=actor, reason="insults", until=soon)
    services.suspend_member(rows["Cleo"], actor=actor, reason="spam", until=far)
    services.silence_member(rows["Dev"], actor=actor, reason="insults", until=far)
    return rows, start + timedelta(days=1)


def test_sanctions_lift_expired_ends_exactly_the_expired_ones(sanctions):
    rows, later = sanctions
    audited = AuditEvent.objects.count()

    lifted = services.lift_expired_sanctions(now=later)

    assert lifted == {"suspensions": 1, "silences": 1}
    for row in rows.values():
        row.refresh_from_db()
    assert rows["Ana"].is_active and rows["Ana"].suspended_until is None
    assert rows["Ben"].silenced_until is None and rows["Ben"].silenced_reason == ""
    assert rows["Cleo"].state == Membership.State.SUSPENDED
    assert rows["Cleo"].suspended_until is not None
    assert rows["Dev"].is_silenced
    new_events = AuditEvent.objects.order_by("id")[audited:]
    assert [(e.action, e.target_label, e.actor) for e in new_events] == [
        ("member.reinstate", "Ana", None),
        ("member.unsilence", "Ben", None),
    ]
    assert Notification.objects.get(recipient=rows["Ana"].user, verb="member.reinstate")
    assert Notification.objects.get(recipient=rows["Ben"].user, verb="member.unsilence")
    assert not Notification.objects.filter(
        recipient__in=[rows["Cleo"].user, rows["Dev"].user],
        verb__in=["member.reinstate", "member.unsilence"],
    ).exists()


def test_sanctions_lift_expired_twice_does_nothing_more(sanctions):
    _rows, later = sanctions
    services.lift_expired_sanctions(now=later)
    audited, notified = AuditEvent.objects.count(), Notification.objects.count()

    lifted = services.lift_expired_sanctions(now=later)

    assert lifted == {"suspensions": 0, "silences": 0}
    assert AuditEvent.objects.count() == audited
    assert Notification.objects.count() == notified


def test_sanctions_lift_expired_at_the_end_of_the_running_ones(sanctions):
    rows, later = sanctions
    services.lift_expired_sanctions(now=later)

    lifted = services.lift_expired_sanctions(now=later + timedelta(days=3))

    assert lifted == {"suspensions": 1, "silences": 1}
    rows["Cleo"].refresh_from_db()
    rows["Dev"].refresh_from_db()
    assert rows["Cleo"].is_active
    assert rows["Dev"].silenced_until is None


def test_sanctions_beat_schedule_runs_the_lift_task():
    from cop.celery import app

    app.loader.import_default_modules()
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "communities.tasks.lift_expired_sanctions"
    ]

    assert len(entries) == 1
    assert entries[0]["task"] in app.tasks
    # Often enough that a sanction ends within minutes of its time.
    assert entries[0]["schedule"] <= 15 * 60


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_sanctions_lift_task_through_a_real_worker(celery_worker):
    require(celery_worker is not None, "a Celery worker (CELERY_BROKER_URL)")
    from communities.tasks import lift_expired_sanctions

    membership = MembershipFactory()
    # Silenced until a moment already past: a silence that ran out before the worker came by.
    Membership.objects.filter(pk=membership.pk).update(
        silenced_until=timezone.now() - timedelta(minutes=1),
        silenced_reason=REASON,
    )

    lifted = lift_expired_sanctions.delay().get(timeout=30)

    assert lifted["silences"] >= 1
    membership.refresh_from_db()
    assert membership.silenced_until is None
    assert AuditEvent.objects.filter(
        action="member.unsilence", target_id=str(membership.user.pk)
    ).exists()


# --- The audit log of sanctions -------------------------------------------------------------


@pytest.fixture
def two_moderators_acted(cast, facilitator_client, organizer_client):
    _silence(facilitator_client, _membership(cast.private, cast.member))
    other = MembershipFactory(community=cast.private, user=UserFactory(display_name="Nina Noisy"))
    organizer_client.post(
        f"/c/closed-circle/members/{other.pk}/suspend/", {"reason": REASON, "days": "2"}
    )


def _audit_rows(client, query: str) -> list[tuple[str, str, str]]:
    response = client.get(f"/c/closed-circle/audit/?{query}")
    assert response.status_code == 200
    return [
        (event.action, event.actor_label, event.target_label)
        for event in response.context["page"].object_list
    ]


def test_sanctions_audit_filters_by_moderator(cast, two_moderators_acted, organizer_client):
    rows = _audit_rows(organizer_client, f"actor={cast.facilitator.email}")

    assert rows == [("member.silence", cast.facilitator.email, "Mateo Member")]


def test_sanctions_audit_filters_by_member(cast, two_moderators_acted, facilitator_client):
    rows = _audit_rows(facilitator_client, "member=nina")

    assert rows == [("member.suspend", cast.organizer.email, "Nina Noisy")]


def test_sanctions_audit_member_filter_shows_in_the_form(two_moderators_acted, facilitator_client):
    page = text(facilitator_client.get("/c/closed-circle/audit/?member=Mateo"))

    assert 'name="member"' in page
    assert 'value="Mateo"' in page
    assert "Nina Noisy" not in page
