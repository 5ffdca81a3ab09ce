"""Threads: starting one, the lists of a forum and of the community, unread markers."""

import pytest

from communities.models import Activity
from forums.models import Post, ReadState, Subscription, Thread
from tests.communities.helpers import text
from tests.factories import MembershipFactory
from tests.forums.factories import add_replies, forum_in, start_thread
from tests.forums.helpers import row_of, set_activity, thread_rows, titles_of

pytestmark = pytest.mark.django_db


def _new_url(forum) -> str:
    return f"/c/{forum.community.slug}/forums/{forum.slug}/new/"


def test_threads_member_starts_a_thread(cast, forum, member_client):
    assert member_client.get(_new_url(forum)).status_code == 200

    response = member_client.post(
        _new_url(forum),
        {"title": "  Exit tickets that work  ", "body": "I ask **one** question:\n\n- what stuck?"},
    )

    thread = Thread.objects.get(forum=forum)
    assert response.status_code == 302
    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/"
    assert (thread.title, thread.author, thread.community) == (
        "Exit tickets that work",
        cast.member,
        cast.public,
    )
    assert (thread.post_count, thread.next_number, thread.last_poster) == (1, 2, cast.member)
    post = Post.objects.get(thread=thread)
    assert (post.number, post.author) == (1, cast.member)
    assert post.body == "I ask **one** question:\n\n- what stuck?"
    assert "<strong>one</strong>" in post.body_html
    assert "<li>what stuck?</li>" in post.body_html
    activity = Activity.objects.get(verb="thread.create")
    assert (activity.actor, activity.community, activity.target_id) == (
        cast.member,
        cast.public,
        thread.pk,
    )
    # The title is not copied into the log: the feed names the thread as it is when shown.
    assert activity.summary == ""
    assert Subscription.objects.get(user=cast.member, thread=thread).level == "watching"
    assert ReadState.objects.get(user=cast.member, thread=thread).last_read_number == 1
    page = text(member_client.get(response["Location"]))
    assert "Exit tickets that work" in page
    assert "<strong>one</strong>" in page


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"title": "", "body": ""}, ["This field is required."] * 2),
        ({"title": "   ", "body": "   "}, ["This field is required."] * 2),
        ({"title": "Hi", "body": "A real question."}, ["Give the thread a title of a few words."]),
        ({"title": "A proper title", "body": ""}, ["This field is required."]),
    ],
)
def test_threads_new_thread_is_validated(cast, forum, member_client, data, errors):
    response = member_client.post(_new_url(forum), data)

    assert response.status_code == 400
    page = text(response)
    for error in set(errors):
        assert page.count(error) == errors.count(error)
    assert not Thread.objects.exists()
    assert not Post.objects.exists()
    assert not Activity.objects.filter(verb="thread.create").exists()


def test_threads_list_shows_pinned_first_then_by_last_activity(cast, forum, member_client):
    old = start_thread(forum, cast.organizer, title="Old question")
    recent = start_thread(forum, cast.organizer, title="Recent question")
    middle = start_thread(forum, cast.organizer, title="Middle question")
    pinned = start_thread(forum, cast.organizer, title="House rules")
    set_activity(old, 300)
    set_activity(middle, 60)
    set_activity(recent, 5)
    set_activity(pinned, 900)
    Thread.objects.filter(pk=pinned.pk).update(is_pinned=True)

    page = text(member_client.get(forum.get_absolute_url()))

    assert titles_of(page) == ["House rules", "Recent question", "Middle question", "Old question"]
    rows = thread_rows(page)
    assert "Pinned" in rows[0]
    assert all("Pinned" not in row for row in rows[1:])


def test_threads_list_shows_twenty_a_page(cast, forum, member_client):
    for number in range(21):
        thread = start_thread(forum, cast.organizer, title=f"Question number {number:02}")
        set_activity(thread, 100 - number)

    first = text(member_client.get(forum.get_absolute_url()))
    second = text(member_client.get(forum.get_absolute_url() + "?page=2"))

    assert len(thread_rows(first)) == 20
    assert "Page 1 of 2" in first
    assert titles_of(first) == [f"Question number {number:02}" for number in range(20, 0, -1)]
    assert titles_of(second) == ["Question number 00"]
    assert "Page 2 of 2" in second


def test_threads_list_shows_reply_count_and_participants(cast, forum, member_client):
    thread = start_thread(forum, cast.organizer, title="Marking in pairs")
    add_replies(thread, [cast.facilitator, cast.member, cast.facilitator], 3)
    quiet = start_thread(forum, cast.facilitator, title="Nobody answered")

    page = text(member_client.get(forum.get_absolute_url()))

    row = row_of(page, "Marking in pairs")
    assert "3 replies" in row
    for person in (cast.organizer, cast.facilitator, cast.member):
        assert row.count(f'title="{person.name}"') == 1
    assert "last post by Fatou Facilitator" in row
    quiet_row = row_of(page, quiet.title)
    assert "0 replies" in quiet_row
    assert 'title="Fatou Facilitator"' in quiet_row
    assert 'title="Olga Organizer"' not in quiet_row


def test_threads_list_shows_at_most_five_participants(cast, forum, member_client):
    thread = start_thread(forum, cast.organizer, title="Popular question")
    people = [MembershipFactory(community=cast.public).user for _ in range(6)]
    add_replies(thread, people, 6)

    row = row_of(text(member_client.get(forum.get_absolute_url())), "Popular question")

    assert row.count('<span title="') == 5
    assert "6 replies" in row


def test_threads_list_marks_new_threads_and_new_replies(cast, forum, member_client):
    unseen = start_thread(forum, cast.organizer, title="Never opened")
    followed = start_thread(forum, cast.organizer, title="Opened before")
    mine = start_thread(forum, cast.member, title="My own question")
    member_client.get(followed.get_absolute_url())
    add_replies(followed, [cast.facilitator], 1)

    page = text(member_client.get(forum.get_absolute_url()))

    assert 'unread-marker">New</span>' in row_of(page, unseen.title)
    assert 'unread-marker">New replies</span>' in row_of(page, followed.title)
    assert "unread-marker" not in row_of(page, mine.title)
    assert f'href="/c/open-practice/t/{followed.pk}/?unread=1"' in row_of(page, followed.title)
    assert f'href="/c/open-practice/t/{unseen.pk}/"' in row_of(page, unseen.title)

    member_client.get(unseen.get_absolute_url())
    member_client.get(followed.get_absolute_url())

    assert "unread-marker" not in text(member_client.get(forum.get_absolute_url()))


def test_threads_list_has_no_markers_for_anonymous_visitors(cast, forum, thread, anon_client):
    page = text(anon_client.get(forum.get_absolute_url()))

    assert thread.title in page
    assert "unread-marker" not in page


def test_threads_latest_lists_threads_of_every_forum(cast, forum, member_client):
    other = forum_in(cast.public, name="Assessment", slug="assessment")
    archived = forum_in(cast.public, name="Old plans", slug="old-plans")
    first = start_thread(forum, cast.organizer, title="In lesson studies")
    second = start_thread(other, cast.facilitator, title="In assessment")
    hidden = start_thread(archived, cast.facilitator, title="In an archived forum")
    elsewhere = start_thread(forum_in(cast.private), cast.member, title="In the private one")
    archived.is_archived = True
    archived.save(update_fields=["is_archived"])
    set_activity(first, 30)
    set_activity(second, 10)

    response = member_client.get("/c/open-practice/latest/")

    assert response.status_code == 200
    page = text(response)
    rows = thread_rows(page)
    assert len(rows) == 2
    assert second.title in rows[0]
    assert 'href="/c/open-practice/forums/assessment/">Assessment</a>' in rows[0]
    assert first.title in rows[1]
    assert 'href="/c/open-practice/forums/lesson-studies/">Lesson studies</a>' in rows[1]
    assert hidden.title not in page
    assert elsewhere.title not in page


def _thirty_posts(forum, cast) -> Thread:
    thread = start_thread(forum, cast.organizer, title="A long conversation")
    add_replies(thread, [cast.facilitator, cast.organizer], 29)
    return thread


def test_threads_unread_goes_to_the_first_unread_post(cast, forum, member_client):
    thread = _thirty_posts(forum, cast)
    member_client.get(thread.get_absolute_url())  # reads page 1: posts 1 to 20
    assert ReadState.objects.get(user=cast.member, thread=thread).last_read_number == 20

    response = member_client.get(thread.get_absolute_url() + "?unread=1")

    assert response.status_code == 302
    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=2#post-21"
    page = text(member_client.get(response["Location"]))
    assert 'id="first-unread"' in page
    assert page.index('id="first-unread"') < page.index('id="post-21"')


def test_threads_unread_of_a_thread_never_opened_starts_at_the_top(cast, forum, member_client):
    thread = _thirty_posts(forum, cast)

    response = member_client.get(thread.get_absolute_url() + "?unread=1")

    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=1#post-1"


def test_threads_unread_of_a_thread_read_to_the_end_goes_to_its_last_post(
    cast, forum, member_client
):
    thread = _thirty_posts(forum, cast)
    member_client.get(thread.get_absolute_url() + "?page=2")

    response = member_client.get(thread.get_absolute_url() + "?unread=1")

    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=2#post-30"
