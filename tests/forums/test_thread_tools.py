"""Thread tools: lock, unlock, pin, move, rename; moderators editing posts. Each action writes
exactly one audit row, and an action with nothing to do writes none."""

import pytest

from communities.models import AuditEvent
from forums.models import Post, PostRevision, Thread
from tests.communities.helpers import after_redirect, text
from tests.forums.factories import forum_in, start_thread
from tests.forums.helpers import set_activity, titles_of, tools_url

pytestmark = pytest.mark.django_db


def _act(client, thread: Thread, action: str, **data):
    return client.post(tools_url(thread), {"action": action, **data})


def _audit(action: str) -> list[str]:
    return list(AuditEvent.objects.filter(action=action).values_list("target_id", flat=True))


def test_thread_tools_page_offers_every_tool(cast, thread, facilitator_client):
    forum_in(cast.public, name="Assessment", slug="assessment")

    page = text(facilitator_client.get(tools_url(thread)))

    for action in ("lock", "pin", "rename", "move", "hide"):
        assert f'value="{action}"' in page


def test_thread_tools_are_refused_to_members(cast, thread, member_client):
    assert member_client.get(tools_url(thread)).status_code == 403
    assert _act(member_client, thread, "lock").status_code == 403
    assert not Thread.objects.get(pk=thread.pk).is_locked
    assert not AuditEvent.objects.filter(action__startswith="thread.").exists()


def test_thread_tools_lock_refuses_member_replies(cast, thread, facilitator_client, member_client):
    response = _act(facilitator_client, thread, "lock")

    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).is_locked
    assert _audit("thread.lock") == [str(thread.pk)]
    refused = member_client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": "Late."})
    assert "This thread is locked: it no longer takes replies." in after_redirect(
        member_client, refused
    )
    assert thread.posts.count() == 1
    assert "This thread is locked" in text(member_client.get(thread.get_absolute_url()))


def test_thread_tools_moderators_still_reply_in_a_locked_thread(cast, thread, facilitator_client):
    _act(facilitator_client, thread, "lock")

    response = facilitator_client.post(
        f"/c/open-practice/t/{thread.pk}/reply/", {"body": "Closing note."}
    )

    assert response.status_code == 302
    assert thread.posts.filter(number=2, author=cast.facilitator).exists()


def test_thread_tools_lock_twice_writes_one_audit_row(cast, thread, facilitator_client):
    _act(facilitator_client, thread, "lock")

    response = _act(facilitator_client, thread, "lock")

    assert "Nothing to change." in after_redirect(facilitator_client, response)
    assert AuditEvent.objects.filter(action="thread.lock").count() == 1


def test_thread_tools_unlock_takes_replies_again(cast, thread, facilitator_client, member_client):
    _act(facilitator_client, thread, "lock")

    _act(facilitator_client, thread, "unlock")

    assert not Thread.objects.get(pk=thread.pk).is_locked
    assert _audit("thread.unlock") == [str(thread.pk)]
    member_client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": "Open again."})
    assert thread.posts.filter(number=2, author=cast.member).exists()
    _act(facilitator_client, thread, "unlock")
    assert AuditEvent.objects.filter(action="thread.unlock").count() == 1


def test_thread_tools_pin_puts_the_thread_first(cast, forum, thread, facilitator_client):
    newer = start_thread(forum, cast.member, title="A newer question")
    set_activity(thread, minutes_ago=30)
    url = f"/c/open-practice/forums/{forum.slug}/"
    assert titles_of(text(facilitator_client.get(url))) == ["A newer question", "Opening a lesson"]

    _act(facilitator_client, thread, "pin")

    assert titles_of(text(facilitator_client.get(url))) == ["Opening a lesson", "A newer question"]
    assert _audit("thread.pin") == [str(thread.pk)]
    _act(facilitator_client, thread, "pin")
    assert AuditEvent.objects.filter(action="thread.pin").count() == 1

    _act(facilitator_client, thread, "unpin")

    assert titles_of(text(facilitator_client.get(url)))[0] == newer.title
    assert _audit("thread.unpin") == [str(thread.pk)]


def test_thread_tools_move_to_another_forum_of_the_community(
    cast, forum, thread, facilitator_client
):
    target = forum_in(cast.public, name="Assessment", slug="assessment")

    response = _act(facilitator_client, thread, "move", forum=target.pk)

    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).forum == target
    [event] = AuditEvent.objects.filter(action="thread.move")
    assert event.details == {"from": "Lesson studies", "to": "Assessment"}
    assert "Opening a lesson" in text(facilitator_client.get("/c/open-practice/forums/assessment/"))
    assert "Opening a lesson" not in text(
        facilitator_client.get("/c/open-practice/forums/lesson-studies/")
    )


def test_thread_tools_move_to_a_forum_of_another_community_is_refused(
    cast, forum, thread, facilitator_client
):
    elsewhere = forum_in(cast.private, name="Staff room", slug="staff-room")

    page = text(facilitator_client.get(tools_url(thread)))
    assert "Staff room" not in page
    response = _act(facilitator_client, thread, "move", forum=elsewhere.pk)

    assert response.status_code == 400
    assert Thread.objects.get(pk=thread.pk).forum == forum
    assert not AuditEvent.objects.filter(action="thread.move").exists()


def test_thread_tools_rename_changes_the_title_and_search_follows(
    cast, thread, facilitator_client, member_client
):
    response = _act(facilitator_client, thread, "rename", title="  Opening a geometry lesson ")

    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).title == "Opening a geometry lesson"
    [event] = AuditEvent.objects.filter(action="thread.rename")
    assert event.details == {"from": "Opening a lesson", "to": "Opening a geometry lesson"}
    found = member_client.get("/c/open-practice/search/?q=geometry").context["page"]
    assert [post.pk for post in found.object_list] == [thread.posts.get(number=1).pk]
    _act(facilitator_client, thread, "rename", title="Opening a geometry lesson")
    assert AuditEvent.objects.filter(action="thread.rename").count() == 1


def test_thread_tools_rename_to_nothing_is_refused(cast, thread, facilitator_client):
    response = _act(facilitator_client, thread, "rename", title="")

    assert response.status_code == 400
    assert Thread.objects.get(pk=thread.pk).title == "Opening a lesson"
    assert not AuditEvent.objects.filter(action="thread.rename").exists()


def test_thread_tools_unknown_action_changes_nothing(cast, thread, facilitator_client):
    response = _act(facilitator_client, thread, "explode")

    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="thread.").exists()


def test_thread_tools_moderator_edit_keeps_a_revision_and_is_audited(
    cast, thread, member_client, facilitator_client
):
    member_client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": "Call me at 555-0101."})
    post = Post.objects.get(thread=thread, number=2)

    response = facilitator_client.post(
        f"/c/open-practice/p/{post.pk}/edit/", {"body": "Call me (number removed)."}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Call me (number removed)."
    [revision] = PostRevision.objects.filter(post=post)
    assert (revision.body, revision.editor) == ("Call me at 555-0101.", cast.facilitator)
    [event] = AuditEvent.objects.filter(action="post.edit")
    assert (event.actor, event.target_id) == (cast.facilitator, str(post.pk))


def test_thread_tools_author_edit_is_not_audited(cast, thread, member_client):
    member_client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": "First try."})
    post = Post.objects.get(thread=thread, number=2)

    member_client.post(f"/c/open-practice/p/{post.pk}/edit/", {"body": "Second try."})

    assert PostRevision.objects.get(post=post).editor == cast.member
    assert not AuditEvent.objects.filter(action="post.edit").exists()


@pytest.mark.parametrize(
    ("verb", "field", "before"),
    [
        ("lock_thread", "is_locked", False),
        ("unlock_thread", "is_locked", True),
        ("pin_thread", "is_pinned", False),
        ("unpin_thread", "is_pinned", True),
    ],
)
def test_thread_tools_lock_and_pin_change_nothing_when_their_audit_fails(
    cast, thread, monkeypatch, verb, field, before
):
    from communities import services as community_services
    from forums import services

    Thread.objects.filter(pk=thread.pk).update(**{field: before})
    thread.refresh_from_db()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(community_services, "audit", broken)

    with pytest.raises(RuntimeError):
        getattr(services, verb)(thread, actor=cast.facilitator)

    assert getattr(Thread.objects.get(pk=thread.pk), field) is before
