"""The dashboard costs the same number of queries for a community of 5 members and of 500
(issue 14: aggregates in the database, never a loop over members)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from communities.models import Activity, HelpRequest, Membership, Notification
from facilitation.events import FacilitationEvent
from forums.models import Flag, Post, Thread
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import forum_in

pytestmark = pytest.mark.django_db

SECTORS = ["public", "private", "academic", "non_profit", ""]


def _community_of(size: int, facilitator: User):
    """A community of `size` members (and its facilitator) with a history: activity over five
    months, threads with replies across organizations, flags, help requests, a nudge."""
    now = timezone.now()
    community = CommunityFactory()
    MembershipFactory(community=community, user=facilitator, role=Membership.Role.FACILITATOR)
    people = User.objects.bulk_create(
        User(
            email=f"{community.slug}-{number}@example.org",
            display_name=f"Member {number}",
            handle=f"{community.slug}-{number}",
            organization=f"Org {number % 7}",
            sector=SECTORS[number % len(SECTORS)],
        )
        for number in range(size)
    )
    Membership.objects.bulk_create(
        Membership(
            community=community,
            user=person,
            # Some joined recently (newcomers), most long ago.
            joined_at=now - timedelta(days=20 if number % 3 == 0 else 200),
        )
        for number, person in enumerate(people)
    )
    activities = []
    for number, person in enumerate(people):
        if number % 3 == 0:
            continue  # the newcomers stay silent
        # Before: active; now: some drift down, some stay.
        moments = [now - timedelta(days=95 + day) for day in range(8)]
        if number % 2:
            moments += [now - timedelta(days=day * 7) for day in range(3)]
        activities += [
            Activity(
                community=community,
                actor=person,
                verb="post.create",
                summary="",
                created_at=moment,
            )
            for moment in moments
        ]
    Activity.objects.bulk_create(activities)
    forum = forum_in(community)
    threads = Thread.objects.bulk_create(
        Thread(
            community=community,
            forum=forum,
            title=f"Thread {number}",
            author=people[number],
            created_at=now - timedelta(days=number % 10 + 3),
            post_count=2,
            next_number=3,
        )
        for number in range(min(size, 40))
    )
    posts = []
    for number, thread in enumerate(threads):
        post = Post(thread=thread, number=1, author=thread.author, body="Q", body_html="Q")
        post.created_at = thread.created_at
        posts.append(post)
        if number % 4:
            reply = Post(thread=thread, number=2, author=people[(number + 1) % size], body="A")
            reply.body_html = "A"
            reply.created_at = thread.created_at + timedelta(hours=number)
            posts.append(reply)
    Post.objects.bulk_create(posts)
    Flag.objects.create(post=posts[0], user=people[1], reason=Flag.Reason.SPAM)
    for number in range(min(size, 8)):
        HelpRequest.objects.create(
            community=community, asker=people[number], subject=f"Help {number}"
        )
    Notification.objects.create(
        recipient=people[1], community=community, verb=FacilitationEvent.MEMBER_NUDGE
    )
    return community


def _queries(client, community) -> tuple[int, str, list[str]]:
    url = f"/c/{community.slug}/facilitate/"
    client.get(url)  # warm the per-process caches (content types, templates)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode(), [query["sql"] for query in captured]


def test_dashboard_queries_do_not_grow_with_the_community(client):
    facilitator = UserFactory()
    client.force_login(facilitator)
    small = _community_of(5, facilitator)
    large = _community_of(500, facilitator)

    small_count, small_page, small_sql = _queries(client, small)
    large_count, large_page, large_sql = _queries(client, large)

    assert "and 1" not in small_page
    assert "and 313 more" in large_page  # 333 drifted down, 20 shown
    assert "and 147 more" in large_page  # 167 silent newcomers, 20 shown
    assert large_page.count('class="list-group-item mover-row"') == 40  # 20 of each list
    assert large_page.count('class="list-group-item help-request-row"') == 5
    assert small_count == large_count, "\n".join(sql for sql in large_sql if sql not in small_sql)
    assert large_count < 40, large_count
