"""Accepted answers in a questions forum: who marks and unmarks, what the thread page and the
thread list show, and what an archived community or a hidden post refuses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import AuditEvent, Community, Notification
from communities.permissions import access_for, can_mark_answer
from forums import selectors, services
from forums.models import Forum, Thread
from tests.communities.helpers import after_redirect, text
from tests.forums.factories import forum_in, start_thread
from tests.forums.helpers import row_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions(cast):
    return forum_in(cast.public, name="Questions", slug="questions", kind=Forum.Kind.QUESTIONS)


@pytest.fixture
def question(cast, questions):
    """The member asks; the facilitator and the organizer reply."""
    thread = start_thread(questions, cast.member, title="How do I start a lesson study?")
    services.reply(thread, actor=cast.facilitator, body="Begin with a shared **goal**.")
    services.reply(thread, actor=cast.organizer, body="Read the handbook first.")
    return thread


def _answer_url(thread: Thread) -> str:
    return f"/c/{thread.community.slug}/t/{thread.pk}/answer/"


def _post(thread: Thread, number: int):
    return thread.posts.get(number=number)


def _answer_of(thread: Thread):
    return Thread.objects.get(pk=thread.pk).answer_id


@pytest.mark.parametrize("principal", ["member", "facilitator", "organizer"])
def test_answers_asker_and_facilitators_mark(cast, question, client_for, principal):
    reply = _post(question, 2)

    response = client_for(principal).post(_answer_url(question), {"post": reply.pk})

    assert response.status_code == 302
    thread = Thread.objects.get(pk=question.pk)
    assert thread.answer_id == reply.pk
    assert thread.answered_by == cast.person(principal)
    assert thread.answered_at is not None
    assert (
        AuditEvent.objects.filter(action="thread.answer", target_id=str(question.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("principal", "status"),
    [("outsider", 403), ("other_member", 403), ("staff", 403)],
)
def test_answers_others_may_not_mark(cast, question, client_for, principal, status):
    response = client_for(principal).post(_answer_url(question), {"post": _post(question, 2).pk})

    assert response.status_code == status
    assert _answer_of(question) is None


def test_answers_another_member_may_not_mark(cast, questions, client_for):
    # The organizer asks: the member (not the asker, not a facilitator) may not choose.
    thread = start_thread(questions, cast.organizer, title="Which textbook?")
    reply = services.reply(thread, actor=cast.member, body="The green one.")

    response = client_for("member").post(_answer_url(thread), {"post": reply.pk})

    assert response.status_code == 403
    assert _answer_of(thread) is None


def test_answers_anonymous_is_sent_to_log_in(cast, question, anon_client):
    response = anon_client.post(_answer_url(question), {"post": _post(question, 2).pk})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert _answer_of(question) is None


def test_answers_unmark(cast, question, member_client, facilitator_client):
    member_client.post(_answer_url(question), {"post": _post(question, 2).pk})

    response = facilitator_client.post(_answer_url(question), {"unmark": "1"})

    assert response.status_code == 302
    assert _answer_of(question) is None
    assert AuditEvent.objects.filter(action="thread.unanswer").count() == 1


def test_answers_changing_the_answer_keeps_one(cast, question, member_client):
    member_client.post(_answer_url(question), {"post": _post(question, 2).pk})
    member_client.post(_answer_url(question), {"post": _post(question, 3).pk})
    # The same choice sent twice changes nothing more.
    member_client.post(_answer_url(question), {"post": _post(question, 3).pk})

    assert _answer_of(question) == _post(question, 3).pk
    assert AuditEvent.objects.filter(action="thread.answer").count() == 2


def test_answers_question_itself_is_refused(cast, question, member_client):
    page = after_redirect(
        member_client, member_client.post(_answer_url(question), {"post": _post(question, 1).pk})
    )

    assert _answer_of(question) is None
    assert "The question cannot be its own answer." in page


def test_answers_hidden_post_is_refused(cast, question, member_client):
    reply = _post(question, 2)
    services.hide_post(reply, actor=cast.facilitator, reason="Off-topic")

    page = after_redirect(
        member_client, member_client.post(_answer_url(question), {"post": reply.pk})
    )

    assert _answer_of(question) is None
    assert "A hidden post cannot be marked as the answer." in page


def test_answers_post_of_another_thread_is_refused(cast, question, questions, member_client):
    other = start_thread(questions, cast.facilitator, title="Another question")
    stranger = services.reply(other, actor=cast.organizer, body="Elsewhere.")

    member_client.post(_answer_url(question), {"post": stranger.pk})

    assert _answer_of(question) is None


def test_answers_refused_in_a_discussion_forum(cast, forum, member_client):
    thread = start_thread(forum, cast.member, title="Just chatting")
    reply = services.reply(thread, actor=cast.facilitator, body="Hello")

    response = member_client.post(_answer_url(thread), {"post": reply.pk})

    assert response.status_code == 403
    assert _answer_of(thread) is None


def test_answers_refused_in_an_archived_community(
    cast, question, member_client, facilitator_client
):
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)

    for client in (member_client, facilitator_client):
        client.post(_answer_url(question), {"post": _post(question, 2).pk})

    assert _answer_of(question) is None
    assert not AuditEvent.objects.filter(action="thread.answer").exists()


def test_answers_refused_in_an_archived_forum(cast, question, questions, facilitator_client):
    Forum.objects.filter(pk=questions.pk).update(is_archived=True)

    facilitator_client.post(_answer_url(question), {"post": _post(question, 2).pk})

    assert _answer_of(question) is None


def test_answers_rule_branch_by_branch(cast, question):
    question = Thread.objects.select_related("forum").get(pk=question.pk)
    assert can_mark_answer(access_for(cast.member, cast.public), question)
    assert can_mark_answer(access_for(cast.facilitator, cast.public), question)
    assert not can_mark_answer(access_for(cast.outsider, cast.public), question)
    assert not can_mark_answer(access_for(cast.staff, cast.public), question)
    question.forum.kind = Forum.Kind.DISCUSSION
    assert not can_mark_answer(access_for(cast.facilitator, cast.public), question)


def test_answers_service_refuses_when_archived(cast, question):
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)
    thread = Thread.objects.select_related("forum", "community").get(pk=question.pk)

    with pytest.raises(services.ForumError):
        services.mark_answer(thread, actor=cast.facilitator, post=_post(question, 2))


def test_answers_author_is_notified(cast, question, member_client):
    member_client.post(_answer_url(question), {"post": _post(question, 2).pk})

    notice = Notification.objects.get(recipient=cast.facilitator, verb="thread.answer")
    assert notice.params["thread"] == question.title


def test_answers_shown_under_the_question(cast, question, member_client, anon_client):
    reply = _post(question, 2)
    member_client.post(_answer_url(question), {"post": reply.pk})

    page = text(anon_client.get(question.get_absolute_url()))

    assert 'id="answer"' in page
    assert "Accepted answer" in page
    # Under the question: after the first post, before the second.
    assert page.index('id="post-1"') < page.index('id="answer"') < page.index('id="post-2"')
    answer_block = page[page.index('id="answer"') : page.index('id="post-2"')]
    assert "<strong>goal</strong>" in answer_block
    assert f"/c/open-practice/p/{reply.pk}/" in answer_block


def test_answers_buttons_shown_to_the_asker_only(cast, question, client_for):
    asker = text(client_for("member").get(question.get_absolute_url()))
    other = text(client_for("outsider").get(question.get_absolute_url()))

    assert "Mark as the answer" in asker
    assert "Mark as the answer" not in other


def test_answers_hidden_answer_is_not_shown(cast, question, member_client, anon_client):
    reply = _post(question, 2)
    member_client.post(_answer_url(question), {"post": reply.pk})
    services.hide_post(reply, actor=cast.facilitator, reason="Wrong")

    page = text(anon_client.get(question.get_absolute_url()))

    assert "The answer was hidden by the facilitators." in page
    assert "<strong>goal</strong>" not in page
    assert selectors.accepted_answer(Thread.objects.get(pk=question.pk)) is None


def test_answers_selector_gives_the_visible_answer(cast, question, member_client):
    assert selectors.accepted_answer(Thread.objects.get(pk=question.pk)) is None
    member_client.post(_answer_url(question), {"post": _post(question, 3).pk})

    answer = selectors.accepted_answer(Thread.objects.get(pk=question.pk))

    assert answer == _post(question, 3)


def test_answers_list_shows_badges_and_filters(cast, question, questions, member_client):
    start_thread(questions, cast.member, title="Still open question")
    member_client.post(_answer_url(question), {"post": _post(question, 2).pk})

    page = text(member_client.get(questions.get_absolute_url()))
    unanswered = text(member_client.get(questions.get_absolute_url() + "?show=unanswered"))

    assert "Answered" in row_of(page, question.title)
    assert "Unanswered" in row_of(page, "Still open question")
    assert question.title not in unanswered
    assert "Still open question" in unanswered


def test_answers_list_counts_a_hidden_answer_as_unanswered(
    cast, question, questions, member_client
):
    reply = _post(question, 2)
    member_client.post(_answer_url(question), {"post": reply.pk})
    services.hide_post(reply, actor=cast.facilitator, reason="Wrong")

    unanswered = text(member_client.get(questions.get_absolute_url() + "?show=unanswered"))

    assert question.title in unanswered


def test_answers_discussion_forum_shows_no_badge(cast, forum, member_client):
    start_thread(forum, cast.member, title="Just chatting")

    page = text(member_client.get(forum.get_absolute_url()))

    assert "Unanswered" not in page


def test_answers_facilitator_chooses_the_kind(cast, facilitator_client):
    response = facilitator_client.post(
        "/c/open-practice/forums/", {"name": "Help desk", "slug": "", "kind": "questions"}
    )

    assert response.status_code == 302
    forum = Forum.objects.get(slug="help-desk")
    assert forum.kind == Forum.Kind.QUESTIONS

    facilitator_client.post(
        "/c/open-practice/forums/help-desk/edit/",
        {"name": "Help desk", "slug": "help-desk", "description": "", "kind": "discussion"},
    )
    assert Forum.objects.get(pk=forum.pk).kind == Forum.Kind.DISCUSSION


def test_answers_query_count_of_questions_list_is_flat(cast, questions, member_client):
    def measure() -> int:
        member_client.get(questions.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(questions.get_absolute_url())
        assert response.status_code == 200
        return len(queries)

    thread = start_thread(questions, cast.facilitator, title="Question 0")
    reply = services.reply(thread, actor=cast.organizer, body="Yes")
    services.mark_answer(thread, actor=cast.facilitator, post=reply)
    one = measure()
    for number in range(1, 25):
        thread = start_thread(questions, cast.facilitator, title=f"Question {number}")
        if number % 2:
            reply = services.reply(thread, actor=cast.organizer, body="Yes")
            services.mark_answer(thread, actor=cast.facilitator, post=reply)
    assert measure() == one
