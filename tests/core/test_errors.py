"""Every tool refuses with its own error, derived from core.errors.ActionRefused, so a view (or
a later layer) can catch one class for "the rules said no"."""

import pytest
from django.utils import translation

from communities import services as community_services
from core.errors import ActionRefused
from forums import services as forum_services
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "error", [forum_services.ForumError, community_services.MembershipError], ids=str
)
def test_errors_each_tools_error_is_an_action_refused(error):
    assert issubclass(error, ActionRefused)


def test_errors_a_moderation_refusal_is_the_forums_error(cast):
    thread = start_thread(forum_in(cast.public), cast.member, title="Mine", body="My words.")

    with pytest.raises(forum_services.ForumError) as refused:
        forum_services.flag_post(thread.posts.get(), actor=cast.member, reason="spam")

    assert isinstance(refused.value, ActionRefused)
    with translation.override("en"):
        assert str(refused.value) == "You cannot flag your own post."
