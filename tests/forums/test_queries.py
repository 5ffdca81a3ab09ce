"""Every forum list costs the same number of queries at 1 item and at 50 (STYLE.md, "Tests")."""

import itertools

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import services
from forums.models import Attachment, Forum, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.factories import forum_in, png_bytes, start_thread

pytestmark = pytest.mark.django_db

THREAD_PAGE_BUDGET = 10


def _measure(client, url: str, marker: str) -> tuple[int, int, list[str]]:
    """(queries, rows shown, the SQL) of one GET, after a warm-up GET of the same page (which
    fills per-process caches and does the page's one-off writes, such as the read marker)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), text(response).count(marker), [q["sql"] for q in queries]


def _assert_flat(client, url: str, marker: str, add, *, shown_at_fifty: int = 20) -> int:
    """Measure a page with one item and with fifty: the same number of queries. Returns it."""
    add(1)
    one, shown_one, _sql_one = _measure(client, url, marker)
    add(49)
    fifty, shown_fifty, sql_fifty = _measure(client, url, marker)

    assert shown_one == 1
    assert shown_fifty == shown_at_fifty
    assert one == fifty, "\n".join(sql_fifty)
    return fifty


@pytest.fixture
def people(cast):
    """A few more members, so lists show different authors and participants."""
    members = [MembershipFactory(community=cast.public).user for _ in range(4)]
    return itertools.cycle([cast.organizer, cast.facilitator, cast.member, *members])


def _busy_thread(forum, people, number: int) -> Thread:
    thread = start_thread(forum, next(people), title=f"Question {number}")
    for _ in range(number % 3):
        services.reply(thread, actor=next(people), body="An answer.")
    if number % 4 == 0:
        Thread.objects.filter(pk=thread.pk).update(is_pinned=True)
    return thread


@pytest.mark.parametrize("principal", ["member", "facilitator", "anonymous"])
def test_queries_forum_list(cast, client_for, people, principal):
    def add(count):
        for _ in range(count):
            number = cast.public.forums.count()
            forum = forum_in(cast.public)
            _busy_thread(forum, people, number)
            if number % 7 == 6:
                Forum.objects.filter(pk=forum.pk).update(is_archived=True)

    marker = 'class="list-group-item d-flex'
    client = client_for(principal)
    add(1)
    one, shown_one, _sql = _measure(client, "/c/open-practice/forums/", marker)
    add(49)
    fifty, shown_fifty, sql = _measure(client, "/c/open-practice/forums/", marker)

    assert shown_one == 1
    assert shown_fifty == (50 if principal == "facilitator" else 43)
    assert one == fifty, "\n".join(sql)


@pytest.mark.parametrize("principal", ["member", "anonymous"])
def test_queries_thread_list(cast, forum, client_for, people, principal):
    client = client_for(principal)

    def add(count):
        for _ in range(count):
            thread = _busy_thread(forum, people, forum.threads.count())
            if principal == "member" and thread.pk % 2:
                services.mark_read(cast.member, thread, 1)

    _assert_flat(client, forum.get_absolute_url(), "thread-row", add)


def test_queries_latest(cast, member_client, people):
    forums = [forum_in(cast.public) for _ in range(3)]

    def add(count):
        for _ in range(count):
            number = Thread.objects.count()
            _busy_thread(forums[number % 3], people, number)

    _assert_flat(member_client, "/c/open-practice/latest/", "thread-row", add)


def _attach(post, uploader) -> None:
    content = png_bytes()
    item = Attachment(
        post=post,
        community=post.thread.community,
        uploader=uploader,
        name="board.png",
        size=len(content),
        content_type="image/png",
        sha256="0" * 64,
    )
    item.file.save("board.png", ContentFile(content), save=False)
    item.save()


@pytest.mark.parametrize("principal", ["member", "facilitator", "anonymous"])
def test_queries_thread_page(cast, thread, client_for, people, principal):
    client = client_for(principal)
    reactors = [cast.member, cast.facilitator, cast.organizer]

    def add(count):
        for _ in range(count):
            author = next(people)
            post = services.reply(thread, actor=author, body=f"Reply by @{cast.member.handle}")
            if post.number % 2:
                services.toggle_reaction(post, actor=reactors[post.number % 3], kind="heart")
                services.toggle_reaction(post, actor=cast.member, kind="idea")
            if post.number % 3 == 0:
                _attach(post, author)
            if post.number % 5 == 0:
                services.edit_post(post, actor=author, body="Edited.")

    # One reply at first: the page shows the opening post and it.
    add(1)
    one, shown_one, _sql = _measure(client, thread.get_absolute_url(), 'class="card mb-3 post"')
    add(49)
    fifty, shown_fifty, sql = _measure(client, thread.get_absolute_url(), 'class="card mb-3 post"')

    assert (shown_one, shown_fifty) == (2, 20)
    assert one == fifty, "\n".join(sql)
    if principal == "member":
        assert fifty <= THREAD_PAGE_BUDGET, "\n".join(sql)


def test_queries_thread_page_of_a_member_within_budget(cast, thread, member_client):
    member_client.get(thread.get_absolute_url())  # the first view records the reading

    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(thread.get_absolute_url())

    assert response.status_code == 200
    assert len(queries) <= THREAD_PAGE_BUDGET, "\n".join(q["sql"] for q in queries)


@pytest.mark.parametrize(
    "url",
    ["/c/open-practice/search/?q=fractions", "/search/?q=fractions"],
    ids=["community", "site"],
)
def test_queries_search_results(cast, forum, member_client, people, url):
    def add(count):
        for _ in range(count):
            number = Thread.objects.count()
            start_thread(
                forum_in(cast.public) if number % 5 == 0 else forum,
                next(people),
                title=f"Question {number}",
                body=f"How do you teach fractions, part {number}?",
            )
        start_thread(forum, cast.member, title="Off topic", body="Nothing to find here.")

    _assert_flat(member_client, url, 'class="mb-3 search-result"', add)
