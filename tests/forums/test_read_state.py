"""Read state: reading a thread moves the reader's marker, and a view with nothing new writes
nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import ReadState
from tests.forums.factories import add_replies

pytestmark = pytest.mark.django_db


def _read_to(person, thread) -> int | None:
    return (
        ReadState.objects.filter(user=person, thread=thread)
        .values_list("last_read_number", flat=True)
        .first()
    )


def _writes_to_read_state(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if "forums_readstate" in query["sql"]
        and query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]


def test_read_state_moves_to_the_last_post_shown(cast, thread, member_client):
    add_replies(thread, [cast.facilitator], 24)  # 25 posts: 20 on page 1, 5 on page 2
    assert _read_to(cast.member, thread) is None

    member_client.get(thread.get_absolute_url())
    assert _read_to(cast.member, thread) == 20

    member_client.get(thread.get_absolute_url() + "?page=2")
    assert _read_to(cast.member, thread) == 25


def test_read_state_never_moves_back(cast, thread, member_client):
    add_replies(thread, [cast.facilitator], 24)
    member_client.get(thread.get_absolute_url() + "?page=2")

    member_client.get(thread.get_absolute_url() + "?page=1")

    assert _read_to(cast.member, thread) == 25


def test_read_state_follows_new_replies(cast, thread, member_client):
    member_client.get(thread.get_absolute_url())
    add_replies(thread, [cast.facilitator], 2)

    member_client.get(thread.get_absolute_url())

    assert _read_to(cast.member, thread) == 3
    assert ReadState.objects.filter(user=cast.member).count() == 1


def test_read_state_second_view_with_nothing_new_writes_nothing(cast, thread, member_client):
    add_replies(thread, [cast.facilitator], 3)

    with CaptureQueriesContext(connection) as first:
        member_client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as second:
        response = member_client.get(thread.get_absolute_url())

    assert response.status_code == 200
    assert _writes_to_read_state(first), "the first view should record the reading"
    assert _writes_to_read_state(second) == []
    assert _read_to(cast.member, thread) == 4


def test_read_state_is_kept_for_members_only(cast, thread, client_for):
    for principal in ("anonymous", "outsider", "other_member", "staff"):
        assert client_for(principal).get(thread.get_absolute_url()).status_code == 200

    assert ReadState.objects.exclude(user=cast.organizer).count() == 0
