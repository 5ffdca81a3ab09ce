"""The Atom feed of a public community's new threads: valid Atom, plain-text summaries, nothing
hidden, nothing of a private community, and a query count that does not grow."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import services
from forums.models import Forum, Thread
from tests.communities.helpers import text
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
URL = "/c/open-practice/feeds/threads.atom"


def _entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    # Our own response, parsed with the standard library as any feed reader would.
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_threads_feed_is_valid_atom(cast, forum, anon_client):
    thread = start_thread(
        forum, cast.member, title="Fractions & ratios", body="We tried **tiles** _today_."
    )

    [entry] = _entries(anon_client.get(URL))

    assert entry.findtext(f"{ATOM}title") == "Fractions & ratios"
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/c/open-practice/t/{thread.pk}/")
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == "We tried tiles today."
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Mateo Member"
    assert entry.findtext(f"{ATOM}published")


def test_threads_feed_newest_first_thirty_at_most(cast, forum, anon_client):
    for number in range(32):
        start_thread(forum, cast.member, title=f"Thread {number}")

    entries = _entries(anon_client.get(URL))

    assert len(entries) == 30
    assert entries[0].findtext(f"{ATOM}title") == "Thread 31"


def test_threads_feed_leaves_out_hidden_and_archived(cast, forum, anon_client):
    start_thread(forum, cast.member, title="Visible one")
    hidden = start_thread(forum, cast.member, title="Hidden one")
    services.hide_thread(hidden, actor=cast.facilitator, reason="Spam")
    old = forum_in(cast.public, name="Old", slug="old")
    start_thread(old, cast.member, title="In an archived forum")
    Forum.objects.filter(pk=old.pk).update(is_archived=True)
    held = start_thread(forum, cast.member, title="Held one")
    Thread.objects.filter(pk=held.pk).update(post_count=0)

    titles = [e.findtext(f"{ATOM}title") for e in _entries(anon_client.get(URL))]

    assert titles == ["Visible one"]


@pytest.mark.parametrize("principal", ["anonymous", "member", "organizer"])
def test_threads_feed_of_a_private_community_is_not_found(
    cast, private_forum, client_for, principal
):
    start_thread(private_forum, cast.member, title="Secret")

    response = client_for(principal).get("/c/closed-circle/feeds/threads.atom")

    assert response.status_code == 404


def test_threads_feed_of_an_unknown_community_is_not_found(cast, anon_client):
    assert anon_client.get("/c/nowhere/feeds/threads.atom").status_code == 404


def test_threads_feed_is_announced_in_the_page_head(cast, forum, anon_client, member_client):
    public = text(anon_client.get("/c/open-practice/"))
    private = text(member_client.get("/c/closed-circle/"))

    assert 'type="application/atom+xml"' in public
    assert f'href="{URL}"' in public
    assert "feeds/threads.atom" not in private


def test_threads_feed_query_count_is_flat(cast, forum, anon_client):
    people = [cast.member, cast.facilitator, cast.organizer]

    def measure() -> int:
        anon_client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            response = anon_client.get(URL)
        assert response.status_code == 200
        return len(queries)

    start_thread(forum, cast.member, title="Thread 0")
    one = measure()
    for number in range(1, 30):
        start_thread(forum, people[number % 3], title=f"Thread {number}")
    assert measure() == one
