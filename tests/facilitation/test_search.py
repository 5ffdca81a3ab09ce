"""Search: /search/?q= across the communities a person may see, /c/<slug>/search/?q= within one.

Runs on SQLite (substring match, newest first) and on PostgreSQL (weighted full-text search on
the stored vector, ranked, served by the GIN index).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums import services
from forums.models import Post, Thread
from forums.selectors import search_posts
from tests.conftest import require
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH_INDEX = "forums_post_search_vector_gin"


@pytest.fixture
def forums(cast):
    """Two forums of the public community, one of the private one, one of the third one."""
    return SimpleNamespace(
        lesson_study=services.create_forum(
            cast.public, actor=cast.organizer, name="Lesson study", slug="lesson-study"
        ),
        assessment=services.create_forum(
            cast.public, actor=cast.organizer, name="Assessment", slug="assessment"
        ),
        back_room=services.create_forum(
            cast.private, actor=cast.organizer, name="Back room", slug="back-room"
        ),
        elsewhere=services.create_forum(
            cast.other, actor=cast.other_member, name="Elsewhere talk", slug="talk"
        ),
    )


def _thread(forum, author, title: str, body: str):
    return services.start_thread(forum, actor=author, title=title, body=body)


def _first_post(thread) -> Post:
    return thread.posts.get(number=1)


def _found(response) -> list[int]:
    """The ids of the posts on the results page, in order."""
    assert response.status_code == 200
    page = response.context["page"]
    return [post.pk for post in page.object_list] if page is not None else []


def _on_date(post: Post, day: datetime.date) -> None:
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    Post.objects.filter(pk=post.pk).update(created_at=moment)


# --- Finding --------------------------------------------------------------------------------


def test_search_finds_posts_by_a_word_of_the_body(cast, forums, member_client):
    thread = _thread(
        forums.lesson_study, cast.facilitator, "Area models", "We started with rectangles."
    )
    answer = services.reply(
        thread, actor=cast.member, body="My class drew every quadrilateral they knew."
    )
    _thread(forums.assessment, cast.member, "Exit tickets", "Three questions at the door.")

    response = member_client.get("/search/", {"q": "quadrilateral"})

    assert _found(response) == [answer.pk]
    html = response.content.decode()
    assert "Area models" in html
    assert f'href="/c/open-practice/p/{answer.pk}/"' in html
    assert "<mark>quadrilateral</mark>" in html
    assert "1 result" in html


def test_search_finds_threads_by_a_word_of_the_title(cast, forums, member_client):
    thread = _thread(
        forums.lesson_study,
        cast.facilitator,
        "Tessellations with Year 7",
        "Bring scissors and coloured paper.",
    )
    services.reply(thread, actor=cast.member, body="We did this last spring, it went well.")

    response = member_client.get("/search/", {"q": "tessellations"})

    # The title belongs to the thread's first post: the replies do not match by it.
    assert _found(response) == [_first_post(thread).pk]
    assert "Tessellations with Year 7" in response.content.decode()


def test_search_needs_every_word(cast, forums, member_client):
    both = _thread(forums.lesson_study, cast.member, "Fractions", "Pizza slices and fractions.")
    _thread(forums.lesson_study, cast.member, "Pizza party", "End of term celebration.")

    response = member_client.get("/search/", {"q": "pizza fractions"})

    assert _found(response) == [_first_post(both).pk]


def test_search_ranks_the_title_above_a_mention_in_the_body(cast, forums, member_client):
    in_title = _thread(
        forums.lesson_study, cast.member, "Origami in geometry", "Folding squares into cranes."
    )
    in_body = _thread(
        forums.assessment,
        cast.member,
        "Practical assessment",
        "We assessed a short origami task at the end of the unit.",
    )

    found = _found(member_client.get("/search/", {"q": "origami"}))

    if connection.vendor == "postgresql":
        # Ranked: the title weighs more (A) than the body (B).
        assert found == [_first_post(in_title).pk, _first_post(in_body).pk]
    else:
        # The embedded mode does not rank: newest first.
        assert found == [_first_post(in_body).pk, _first_post(in_title).pk]


# --- Filters --------------------------------------------------------------------------------


def test_search_filters_by_community(cast, forums, member_client):
    public = _thread(forums.lesson_study, cast.member, "Manipulatives", "Cuisenaire rods today.")
    private = _thread(forums.back_room, cast.member, "Budget", "Cuisenaire rods for everyone.")

    everywhere = _found(member_client.get("/search/", {"q": "cuisenaire"}))
    only_public = _found(
        member_client.get("/search/", {"q": "cuisenaire", "community": "open-practice"})
    )
    within_private = _found(member_client.get("/c/closed-circle/search/", {"q": "cuisenaire"}))

    assert sorted(everywhere) == sorted([_first_post(public).pk, _first_post(private).pk])
    assert only_public == [_first_post(public).pk]
    assert within_private == [_first_post(private).pk]


def test_search_filters_by_forum(cast, forums, member_client):
    wanted = _thread(forums.lesson_study, cast.member, "Observation", "The kaleidoscope task.")
    _thread(forums.assessment, cast.member, "Rubric", "A rubric for the kaleidoscope task.")

    response = member_client.get("/search/", {"q": "kaleidoscope", "forum": forums.lesson_study.pk})

    assert _found(response) == [_first_post(wanted).pk]


def test_search_filters_by_author_handle(cast, forums, member_client):
    thread = _thread(forums.lesson_study, cast.facilitator, "Warm-ups", "A tangram warm-up.")
    mine = services.reply(thread, actor=cast.member, body="My tangram warm-up took too long.")

    response = member_client.get("/search/", {"q": "tangram", "author": cast.member.handle})

    assert _found(response) == [mine.pk]
    assert _found(member_client.get("/search/", {"q": "tangram", "author": "nobody-here"})) == []


def test_search_filters_by_dates(cast, forums, member_client):
    thread = _thread(forums.lesson_study, cast.member, "Journal", "Day one of the abacus unit.")
    march = services.reply(thread, actor=cast.member, body="Abacus unit, second week.")
    may = services.reply(thread, actor=cast.member, body="Abacus unit, final week.")
    _on_date(_first_post(thread), datetime.date(2026, 1, 10))
    _on_date(march, datetime.date(2026, 3, 15))
    _on_date(may, datetime.date(2026, 5, 20))

    def found(**dates):
        return _found(member_client.get("/search/", {"q": "abacus", **dates}))

    assert found(since="2026-03-01") == [may.pk, march.pk]
    assert found(until="2026-03-15") == [march.pk, _first_post(thread).pk]
    assert found(since="2026-03-15", until="2026-03-15") == [march.pk]
    assert found(since="2026-06-01") == []


def test_search_leaves_out_archived_forums(cast, forums, member_client):
    _thread(forums.assessment, cast.member, "Old rubric", "The metronome exercise.")
    services.update_forum(forums.assessment, actor=cast.organizer, changes={"is_archived": True})

    assert _found(member_client.get("/search/", {"q": "metronome"})) == []


# --- Privacy --------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
def test_search_never_shows_a_private_community_to_those_outside_it(
    cast, forums, client_for, principal
):
    _thread(forums.back_room, cast.organizer, "Staffing", "The marzipan budget is confidential.")
    _thread(forums.lesson_study, cast.member, "Baking maths", "Marzipan ratios for fractions.")
    client = client_for(principal)

    everywhere = client.get("/search/", {"q": "marzipan"})
    by_slug = client.get("/search/", {"q": "marzipan", "community": "closed-circle"})
    by_forum = client.get("/search/", {"q": "marzipan", "forum": forums.back_room.pk})

    assert len(_found(everywhere)) == 1
    assert "confidential" not in everywhere.content.decode()
    assert "Closed Circle" not in everywhere.content.decode()
    assert _found(by_slug) == []
    assert "confidential" not in by_slug.content.decode()
    assert _found(by_forum) == []
    assert client.get("/c/closed-circle/search/", {"q": "marzipan"}).status_code == 404


@pytest.mark.parametrize("principal", ["member", "facilitator", "organizer", "staff"])
def test_search_shows_a_private_community_to_its_members(cast, forums, client_for, principal):
    thread = _thread(forums.back_room, cast.organizer, "Staffing", "The marzipan budget.")
    client = client_for(principal)

    assert _found(client.get("/search/", {"q": "marzipan"})) == [_first_post(thread).pk]
    assert _found(client.get("/search/", {"q": "marzipan", "community": "closed-circle"})) == [
        _first_post(thread).pk
    ]
    assert _found(client.get("/c/closed-circle/search/", {"q": "marzipan"})) == [
        _first_post(thread).pk
    ]


def test_search_forgets_a_suspended_member(cast, forums):
    from django.test import Client

    from communities.models import Membership

    _thread(forums.back_room, cast.organizer, "Staffing", "The marzipan budget.")
    Membership.objects.filter(community=cast.private, user=cast.member).update(
        state=Membership.State.SUSPENDED
    )
    client = Client()
    client.force_login(cast.member)

    assert _found(client.get("/search/", {"q": "marzipan"})) == []


def test_search_community_page_searches_only_that_community(cast, forums, anon_client):
    here = _thread(forums.lesson_study, cast.member, "Dice games", "Probability with dice.")
    _thread(forums.elsewhere, cast.other_member, "Dice", "Dice in the staff room.")

    response = anon_client.get("/c/open-practice/search/", {"q": "dice"})

    assert _found(response) == [_first_post(here).pk]
    assert "Search in Open Practice" in response.content.decode()


# --- Snippets, empty query, pages -----------------------------------------------------------


def test_search_snippet_escapes_what_the_author_wrote_before_marking(cast, forums, member_client):
    # A word before the markup: PostgreSQL starts a snippet at a word, never at punctuation.
    post = _first_post(
        _thread(
            forums.lesson_study,
            cast.member,
            "Careful",
            "Careful: <script>alert(1)</script> needle",
        )
    )

    response = member_client.get("/search/", {"q": "needle"})

    assert _found(response) == [post.pk]
    snippet = response.context["page"].object_list[0].snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>needle</mark>" in snippet
    assert "<script" not in snippet
    results = response.content.decode().split('<ol class="list-unstyled search-results">')[1]
    assert "<script" not in results.split("</ol>")[0]


def test_search_snippet_keeps_text_that_looks_like_markup(cast, forums, member_client):
    # Maths is full of < and >: the snippet shows them as written, nothing is dropped.
    _thread(
        forums.lesson_study,
        cast.member,
        "Inequalities",
        "Inequalities like x<y and b>c confuse the semicircle group.",
    )

    response = member_client.get("/search/", {"q": "semicircle"})

    snippet = response.context["page"].object_list[0].snippet
    assert "x&lt;y and b&gt;c" in snippet
    assert "<mark>semicircle</mark>" in snippet


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_search_without_words_shows_the_prompt_and_no_results(cast, forums, member_client, query):
    _thread(forums.lesson_study, cast.member, "Anything", "Some words.")

    response = member_client.get("/search/", query)

    assert response.status_code == 200
    assert response.context["page"] is None
    html = response.content.decode()
    assert "Search the discussions and documents of the communities you can see." in html
    assert "search-result" not in html.replace('id="search-results"', "")


def test_search_says_when_nothing_is_found(cast, forums, member_client):
    response = member_client.get("/search/", {"q": "xylophone"})

    assert _found(response) == []
    assert "Nothing found for “xylophone”." in response.content.decode()


def test_search_shows_twenty_results_a_page(cast, forums, member_client):
    thread = _thread(forums.lesson_study, cast.member, "Log", "Opening the protractor log.")
    for number in range(24):
        services.reply(thread, actor=cast.member, body=f"Protractor entry {number}.")

    first = member_client.get("/search/", {"q": "protractor"})
    second = member_client.get("/search/", {"q": "protractor", "page": 2})

    assert len(_found(first)) == 20
    assert len(_found(second)) == 5
    assert not set(_found(first)) & set(_found(second))
    assert "25 results" in first.content.decode()
    assert 'href="?q=protractor&amp;page=2"' in first.content.decode()
    assert 'href="?q=protractor&amp;page=1"' in second.content.decode()


def test_search_query_count_does_not_grow_with_the_results(cast, forums, member_client):
    thread = _thread(forums.lesson_study, cast.member, "Log", "Opening the compass log.")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get("/search/", {"q": "compass"}).status_code == 200
        return len(queries)

    one = count()
    for number in range(29):
        services.reply(thread, actor=cast.member, body=f"Compass entry {number}.")
    assert count() == one


# --- The GIN index (PostgreSQL) -------------------------------------------------------------


def _posts_for_the_planner(cast, forums) -> tuple[Post, Thread]:
    """Many posts of one author in one thread, one of them with the word: only the search index
    narrows the rows, so the planner shows whether it can use it."""
    thread = _thread(forums.lesson_study, cast.member, "Daily log", "Opening the daily log.")
    target = services.reply(thread, actor=cast.member, body="The rhombicuboctahedron model.")
    Post.objects.bulk_create(
        Post(
            thread=thread,
            number=number,
            author=cast.member,
            body=f"Entry {number}: fractions, ratios and graphs.",
            body_html="<p>entry</p>",
        )
        for number in range(3, 1003)
    )
    Post.objects.filter(thread=thread, search_vector__isnull=True).update(
        search_vector=SearchVector("body", weight="B", config="english")
    )
    return target, thread


def test_search_uses_the_gin_index_for_every_query_shape(cast, forums):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'forums_post' AND indexname = %s",
            [SEARCH_INDEX],
        )
        row = cursor.fetchone()
    assert row is not None, f"{SEARCH_INDEX} is missing"
    assert "USING gin (search_vector)" in row[0]

    target, thread = _posts_for_the_planner(cast, forums)
    day = timezone.localdate(target.created_at)
    reader = cast.member
    shapes = {
        "plain": search_posts(reader, "rhombicuboctahedron"),
        "community": search_posts(reader, "rhombicuboctahedron", communities=[cast.public]),
        "forum": search_posts(reader, "rhombicuboctahedron", forum_id=thread.forum_id),
        "author": search_posts(reader, "rhombicuboctahedron", author_handle=reader.handle),
        "dates": search_posts(reader, "rhombicuboctahedron", since=day, until=day),
        "all": search_posts(
            reader,
            "rhombicuboctahedron",
            communities=[cast.public],
            forum_id=thread.forum_id,
            author_handle=reader.handle,
            since=day,
            until=day,
        ),
    }
    with connection.cursor() as cursor:
        # What VACUUM does in production: move the new entries from the index's pending list into
        # the index proper, and give the planner statistics.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
        tables = ["forums_post", "forums_thread", "forums_forum", "accounts_user"]
        for table in [*tables, "communities_community", "communities_membership"]:
            cursor.execute(f"ANALYZE {table}")
        # Only for this test's transaction: a sequential scan may not hide what the index can do.
        cursor.execute("SET LOCAL enable_seqscan = off")
    for shape, posts in shapes.items():
        plan = posts.explain()
        assert SEARCH_INDEX in plan, f"the {shape} search does not use {SEARCH_INDEX}:\n{plan}"
        assert [post.pk for post in posts] == [target.pk], shape


def test_search_finds_a_new_member_post_at_once(cast, forums):
    """The vector is stored as the post is written: no reindexing job is needed."""
    newcomer = UserFactory(display_name="Nina Newcomer")
    MembershipFactory(community=cast.public, user=newcomer)
    thread = _thread(forums.lesson_study, newcomer, "Hello", "I teach trigonometry in Lille.")

    assert list(search_posts(newcomer, "trigonometry")) == [_first_post(thread)]
