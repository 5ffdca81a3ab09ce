"""Fixtures of the forums tests (the shared ones live in tests/conftest.py)."""

import pytest

from tests.forums.factories import forum_in, start_thread


@pytest.fixture
def forum(cast):
    """A forum of the public community."""
    return forum_in(cast.public, name="Lesson studies", slug="lesson-studies")


@pytest.fixture
def private_forum(cast):
    return forum_in(cast.private, name="Staff room", slug="staff-room")


@pytest.fixture
def thread(cast, forum):
    """A thread the organizer started in the public forum (the member has not read it)."""
    return start_thread(forum, cast.organizer, title="Opening a lesson", body="How do you start?")
