"""Participation levels, movements, the interdisciplinary mix, the first-reply median and the
tiles, on constructed histories (facilitation.health)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Activity, HelpRequest, JoinRequest, Membership
from facilitation import health
from facilitation.health import Level
from forums.models import Flag, Post, Thread
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import forum_in

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _contribute(community, person, *moments, verb="post.create", **fields):
    Activity.objects.bulk_create(
        Activity(
            community=community, actor=person, verb=verb, summary="", created_at=moment, **fields
        )
        for moment in moments
    )


def _member(community, name="", **fields):
    person = UserFactory(display_name=name) if name else UserFactory()
    MembershipFactory(community=community, user=person, **fields)
    return person


@pytest.fixture
def community():
    return CommunityFactory(core_threshold=5, active_threshold=3, occasional_threshold=2)


def _levels(community, now=NOW):
    return {
        membership.user.display_name: (membership.contributions, membership.level)
        for membership in health.members_with_levels(community, now=now).select_related("user")
    }


# --- Levels ---------------------------------------------------------------------------------


def test_levels_exactly_at_each_threshold(community):
    recent = NOW - timedelta(days=1)
    for name, count in [
        ("five", 5),
        ("four", 4),
        ("three", 3),
        ("two", 2),
        ("one", 1),
        ("none", 0),
    ]:
        _contribute(community, _member(community, name), *[recent] * count)
    assert _levels(community) == {
        "five": (5, Level.CORE),
        "four": (4, Level.ACTIVE),
        "three": (3, Level.ACTIVE),
        "two": (2, Level.OCCASIONAL),
        "one": (1, Level.PERIPHERAL),
        "none": (0, Level.INACTIVE),
    }
    participation = health.participation(community, now=NOW)
    assert participation.total == 6
    assert [(share.level, share.count, share.percent) for share in participation.levels] == [
        ("core", 1, 17),
        ("active", 2, 33),
        ("occasional", 1, 17),
        ("peripheral", 1, 17),
        ("inactive", 1, 17),
    ]
    assert [share.threshold for share in participation.levels] == [5, 3, 2, 1, 0]


def test_levels_window_is_ninety_days_to_the_second(community):
    inside = _member(community, "inside")
    outside = _member(community, "outside")
    edge = _member(community, "edge")
    _contribute(community, inside, NOW - timedelta(days=90) + timedelta(seconds=1))
    _contribute(community, outside, NOW - timedelta(days=90) - timedelta(seconds=1))
    _contribute(community, edge, NOW - timedelta(days=90))
    levels = _levels(community)
    assert levels["inside"] == (1, Level.PERIPHERAL)
    assert levels["outside"] == (0, Level.INACTIVE)
    assert levels["edge"] == (1, Level.PERIPHERAL)


def test_levels_leave_out_bookkeeping_hidden_rows_other_communities_and_non_members(community):
    person = _member(community, "busy")
    recent = NOW - timedelta(days=2)
    for verb in ("member.join", "member.role", "community.create", "invitation.accept"):
        _contribute(community, person, recent, verb=verb)
    _contribute(community, person, recent, is_hidden=True)
    _contribute(CommunityFactory(), person, recent, recent, recent)
    _contribute(community, person, recent, verb="document.upload")
    _contribute(community, person, recent, verb="story.create")
    _contribute(community, None, recent, verb="cycle.open")
    gone = _member(community, "gone", state=Membership.State.SUSPENDED)
    _contribute(community, gone, recent)
    assert _levels(community) == {"busy": (2, Level.OCCASIONAL)}


def test_levels_follow_the_community_thresholds(community):
    person = _member(community, "p")
    _contribute(community, person, *[NOW - timedelta(days=3)] * 3)
    assert _levels(community)["p"][1] == Level.ACTIVE
    community.active_threshold = 4
    community.save(update_fields=["active_threshold"])
    assert _levels(community)["p"][1] == Level.OCCASIONAL


# --- Movement -------------------------------------------------------------------------------


def test_drifted_down_lists_who_fell_from_core_or_active(community):
    old = NOW - timedelta(days=100)  # in the previous period (120 to 30 days ago) only
    fell = _member(community, "fell", joined_at=NOW - timedelta(days=200))
    _contribute(community, fell, *[old] * 5)
    slipped = _member(community, "slipped", joined_at=NOW - timedelta(days=200))
    _contribute(community, slipped, *[old] * 3, NOW - timedelta(days=5))
    steady = _member(community, "steady", joined_at=NOW - timedelta(days=200))
    _contribute(community, steady, *[old] * 5, *[NOW - timedelta(days=5)] * 3)
    rising = _member(community, "rising")
    _contribute(community, rising, *[NOW - timedelta(days=5)] * 6)
    was_occasional = _member(community, "was occasional")
    _contribute(community, was_occasional, old, old)
    movers = health.drifted_down(community, now=NOW)
    assert [m.user.display_name for m in movers.shown] == ["fell", "slipped"]
    assert movers.total == 2 and movers.more == 0
    fell_row = movers.shown[0]
    assert (fell_row.previous_level, fell_row.level) == (Level.CORE, Level.INACTIVE)
    assert (fell_row.previous_contributions, fell_row.contributions) == (5, 0)


def test_drifted_down_is_cut_short_with_a_total(community):
    old = NOW - timedelta(days=100)
    for number in range(4):
        _contribute(community, _member(community, f"m{number}"), *[old] * 3)
    movers = health.drifted_down(community, now=NOW, limit=3)
    assert len(movers.shown) == 3 and movers.total == 4 and movers.more == 1


def test_silent_newcomers_at_thirteen_and_fourteen_days(community):
    for name, age in [
        ("13 days", timedelta(days=13)),
        ("14 days less a second", timedelta(days=14) - timedelta(seconds=1)),
        ("14 days", timedelta(days=14)),
        ("20 days", timedelta(days=20)),
        ("90 days", timedelta(days=90)),
        ("91 days", timedelta(days=91)),
    ]:
        _member(community, name, joined_at=NOW - age)
    talker = _member(community, "talker", joined_at=NOW - timedelta(days=20))
    _contribute(community, talker, NOW - timedelta(days=19))
    joiner = _member(community, "joiner only", joined_at=NOW - timedelta(days=30))
    _contribute(community, joiner, NOW - timedelta(days=30), verb="member.join")
    movers = health.silent_newcomers(community, now=NOW)
    assert [m.user.display_name for m in movers.shown] == [
        "90 days",
        "joiner only",
        "20 days",
        "14 days",
    ]


# --- Mix ------------------------------------------------------------------------------------


def _with_profile(community, name, organization, sector):
    person = UserFactory(display_name=name, organization=organization, sector=sector)
    MembershipFactory(community=community, user=person)
    return person


def _thread_with_replies(community, forum, starter, repliers, *, days_ago=3):
    from forums import services

    thread = services.start_thread(forum, actor=starter, title="Q", body="A question")
    for replier in repliers:
        services.reply(thread, actor=replier, body="An answer")
    moment = NOW - timedelta(days=days_ago)
    Post.objects.filter(thread=thread).update(created_at=moment)
    Thread.objects.filter(pk=thread.pk).update(created_at=moment)
    return thread


def test_mix_cross_organization_share_and_sector_matrix(community):
    forum = forum_in(community)
    ana = _with_profile(community, "Ana", "Lycée Hugo", "public")
    ben = _with_profile(community, "Ben", "lycée hugo ", "public")  # same, other spelling
    cyd = _with_profile(community, "Cyd", "Uni Lyon", "academic")
    dee = _with_profile(community, "Dee", "", "private")  # no organization
    eve = _with_profile(community, "Eve", "Acme", "private")
    # Ana's thread: Ben (same org), Cyd (other), Dee (org unknown), Ana herself (not a reply).
    _thread_with_replies(community, forum, ana, [ben, cyd, dee, ana])
    # Cyd's thread: Eve (other org) twice, Ana (other org).
    _thread_with_replies(community, forum, cyd, [eve, eve, ana])
    # An old thread, outside the 90 days: not counted.
    _thread_with_replies(community, forum, eve, [cyd], days_ago=120)
    mix = health.mix(community, now=NOW)
    assert mix.replies == 6
    assert mix.replies_with_organizations == 5
    assert mix.crossing_replies == 4
    assert mix.crossing_percent == 80
    labels = [label for _value, label in mix.matrix_sectors]
    assert labels == ["Academic", "Private", "Public"]
    matrix = {replier[1]: cells for replier, cells in mix.matrix}
    # rows reply to the threads of columns: Academic, Private, Public
    assert matrix == {
        "Academic": [0, 0, 1],
        "Private": [2, 0, 1],
        "Public": [1, 0, 1],
    }


def test_mix_sectors_and_organizations(community):
    a = _with_profile(community, "A", "Lycée Hugo", "public")
    _with_profile(community, "B", "Lycée Hugo", "public")
    c = _with_profile(community, "C", "Uni Lyon", "academic")
    _with_profile(community, "D", "", "")
    _contribute(community, a, NOW - timedelta(days=10))
    _contribute(community, c, NOW - timedelta(days=100))  # too old to count as contributing
    mix = health.mix(community, now=NOW)
    sectors = {row.label: (row.members, row.contributors) for row in mix.sectors}
    assert sectors == {"Public": (2, 1), "Academic": (1, 0), "Not given": (1, 0)}
    assert (mix.organizations, mix.contributing_organizations) == (2, 1)
    assert [(row.name, row.members, row.contributors) for row in mix.top_organizations] == [
        ("Lycée Hugo", 2, 1),
        ("Uni Lyon", 1, 0),
    ]
    assert mix.crossing_percent is None and mix.matrix == []


# --- Median time to a first reply ----------------------------------------------------------


def _thread_answered_after(community, forum, starter, replier, wait, *, days_ago=5):
    from forums import services

    thread = services.start_thread(forum, actor=starter, title="Q", body="Q")
    start = NOW - timedelta(days=days_ago)
    Thread.objects.filter(pk=thread.pk).update(created_at=start)
    Post.objects.filter(thread=thread).update(created_at=start)
    if wait is not None:
        own = services.reply(thread, actor=starter, body="Anyone?")  # the starter's own: ignored
        Post.objects.filter(pk=own.pk).update(created_at=start + timedelta(minutes=1))
        post = services.reply(thread, actor=replier, body="Yes")
        Post.objects.filter(pk=post.pk).update(created_at=start + wait)
        later = services.reply(thread, actor=replier, body="And more")
        Post.objects.filter(pk=later.pk).update(created_at=start + wait + timedelta(hours=50))
    return thread


def test_median_first_reply_odd_even_and_none(community):
    forum = forum_in(community)
    starter, replier = _member(community), _member(community)
    assert health.median_first_reply(community, now=NOW) == (None, 0)
    _thread_answered_after(community, forum, starter, replier, None)  # unanswered: left out
    for hours in (10, 1, 2):
        _thread_answered_after(community, forum, starter, replier, timedelta(hours=hours))
    assert health.median_first_reply(community, now=NOW) == (timedelta(hours=2), 3)
    _thread_answered_after(community, forum, starter, replier, timedelta(hours=4))
    assert health.median_first_reply(community, now=NOW) == (timedelta(hours=3), 4)
    # A thread older than 90 days is left out.
    _thread_answered_after(community, forum, starter, replier, timedelta(hours=1), days_ago=91)
    assert health.median_first_reply(community, now=NOW) == (timedelta(hours=3), 4)


def test_median_first_reply_in_a_constant_number_of_queries(community, django_assert_num_queries):
    forum = forum_in(community)
    starter, replier = _member(community), _member(community)
    for hours in range(1, 8):
        _thread_answered_after(community, forum, starter, replier, timedelta(hours=hours))
    with django_assert_num_queries(2):
        assert health.median_first_reply(community, now=NOW) == (timedelta(hours=4), 7)


# --- Tiles ----------------------------------------------------------------------------------


def test_tiles_numbers(community):
    from assessments.models import Response
    from tests.assessments.factories import make_cycle, make_survey

    forum = forum_in(community)
    old_member = _member(community, joined_at=NOW - timedelta(days=60))
    new_member = _member(community, joined_at=NOW - timedelta(days=3))
    _member(community, state=Membership.State.SUSPENDED)
    _contribute(community, old_member, NOW - timedelta(days=29), NOW - timedelta(days=2))
    _contribute(community, new_member, NOW - timedelta(days=31))
    _contribute(community, new_member, NOW - timedelta(days=1), verb="member.join")
    # Only the old member contributed in the last 30 days (joining is not contributing).
    assert health.tiles(community, now=NOW).active_people == 1
    # Posts: 2 this week (a thread and a reply), 1 the week before; an unanswered old thread.
    from forums import services

    answered = services.start_thread(forum, actor=old_member, title="A", body="a")
    services.reply(answered, actor=new_member, body="b")
    older = services.start_thread(forum, actor=new_member, title="Old", body="c")
    Post.objects.filter(thread=older).update(created_at=NOW - timedelta(days=9))
    Thread.objects.filter(pk=older.pk).update(created_at=NOW - timedelta(days=9))
    services.flag_post(older.posts.get(), actor=old_member, reason=Flag.Reason.SPAM)
    JoinRequest.objects.create(community=community, user=UserFactory(), message="Hello")
    HelpRequest.objects.create(community=community, asker=old_member, subject="Help")
    cycle = make_cycle(make_survey(community))
    Response.objects.create(
        cycle=cycle, respondent_key="k", submitted_on=NOW.date(), updated_on=NOW.date()
    )
    tiles = health.tiles(community, now=timezone.now())
    assert (tiles.members, tiles.new_members) == (2, 1)
    assert tiles.active_people == 2  # the new member's reply counts now
    assert (tiles.posts_this_week, tiles.posts_last_week) == (2, 1)
    assert tiles.unanswered_threads == 1
    assert tiles.pending_join_requests == 1
    assert tiles.moderation_queue == 1
    assert tiles.open_help_requests == 1
    assert (tiles.open_cycles, tiles.open_cycle_responses, tiles.response_rate) == (1, 1, 50)
    assert tiles.storage_used == 0 and tiles.storage_limit is None


def test_unanswered_means_no_reply_by_anyone_else_after_48_hours(community):
    from forums import services

    forum = forum_in(community)
    starter, other = _member(community), _member(community)

    def thread_aged(hours, *, replier=None):
        thread = services.start_thread(forum, actor=starter, title="Q", body="Q")
        if replier is not None:
            services.reply(thread, actor=replier, body="R")
        Thread.objects.filter(pk=thread.pk).update(created_at=NOW - timedelta(hours=hours))
        return thread

    thread_aged(47)  # too recent
    lonely = thread_aged(49)
    thread_aged(49, replier=starter)  # only its starter: still unanswered
    thread_aged(49, replier=other)
    found = health.forum_selectors.unanswered_threads(
        community, older_than=NOW - health.UNANSWERED_AFTER
    )
    assert found.count() == 2
    assert lonely in found


# --- Weekly activity ------------------------------------------------------------------------


def test_weekly_activity_covers_twelve_weeks(community):
    a, b = _member(community), _member(community)
    _contribute(community, a, NOW, NOW - timedelta(seconds=1))
    _contribute(community, b, NOW)
    _contribute(community, a, NOW - timedelta(weeks=2))
    _contribute(community, a, NOW - timedelta(weeks=20))
    weeks = health.weekly_activity(community, now=NOW)
    assert len(weeks) == 12
    assert weeks[-1].start <= NOW < weeks[-1].start + timedelta(weeks=1)
    assert (weeks[-1].contributions, weeks[-1].people) == (3, 2)
    assert (weeks[-3].contributions, weeks[-3].people) == (1, 1)
    assert sum(week.contributions for week in weeks) == 4
