"""Promoting threads, posts, documents and featured value stories to knowledge (issue 16)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import AuditEvent
from communities.submissions import new_key
from facilitation.models import KnowledgeEntry, KnowledgeSource
from forums.services import hide_post
from tests.communities.helpers import after_redirect, text
from tests.facilitation.knowledge_helpers import (
    allow_public,
    archive,
    document_of,
    form_data,
    story_of,
    thread_with_replies,
    url,
)
from tests.forums.factories import add_replies, forum_in, start_thread

pytestmark = pytest.mark.django_db


def test_knowledge_promote_thread_prefills_and_creates_entry_with_source(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    client = client_for("facilitator")

    form = text(client.get(url("knowledge_promote", cast.public) + f"?thread={thread.pk}"))
    assert "Opening a lesson" in form
    assert "Start with a real question." in form  # the first post pre-fills the summary

    response = client.post(
        url("knowledge_promote", cast.public), form_data(thread=thread.pk, steward=cast.member.pk)
    )
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == entry.get_absolute_url()
    assert entry.tag_list == ["lessons", "openings"]
    assert entry.steward == cast.member
    assert entry.created_by == cast.facilitator
    source = entry.sources.get()
    assert (source.kind, source.thread, source.title) == ("thread", thread, "Opening a lesson")
    assert AuditEvent.objects.filter(action="knowledge.create").count() == 1


def test_knowledge_promote_thread_button_only_for_facilitators(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    promote = url("knowledge_promote", cast.public)

    assert promote in text(client_for("facilitator").get(thread.get_absolute_url()))
    assert promote not in text(client_for("member").get(thread.get_absolute_url()))
    assert client_for("member").get(promote + f"?thread={thread.pk}").status_code == 403


def test_knowledge_promote_selected_posts(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    first, second, third = thread.posts.order_by("number")
    client = client_for("facilitator")
    choose = text(client.get(url("knowledge_promote_posts", cast.public, thread.pk)))
    assert f'value="{second.pk}"' in choose and f'value="{third.pk}"' in choose

    form = text(
        client.get(url("knowledge_promote", cast.public) + f"?thread={thread.pk}&post={third.pk}")
    )
    assert "Reply number 1 about openings." in form
    client.post(
        url("knowledge_promote", cast.public),
        form_data(thread=thread.pk, post=[second.pk, third.pk]),
    )

    sources = list(KnowledgeEntry.objects.get().sources.all())
    assert [(s.kind, s.post_id) for s in sources] == [("post", second.pk), ("post", third.pk)]
    assert sources[0].title == f"Opening a lesson #{second.number}"


def test_knowledge_promote_document(cast, client_for):
    document = document_of(cast.public, cast.member)
    client = client_for("facilitator")

    assert url("knowledge_promote", cast.public) in text(client.get(document.get_absolute_url()))
    form = text(client.get(url("knowledge_promote", cast.public) + f"?document={document.pk}"))
    assert "How we observe." in form
    client.post(url("knowledge_promote", cast.public), form_data(document=document.pk))

    source = KnowledgeSource.objects.get()
    assert (source.kind, source.document, source.title) == ("document", document, document.title)


def test_knowledge_promote_featured_value_story_only(cast, client_for):
    featured = story_of(cast.public, cast.member)
    plain = story_of(cast.public, cast.member, featured=False)
    client = client_for("facilitator")

    assert url("knowledge_promote", cast.public) in text(client.get(featured.get_absolute_url()))
    assert (
        client.get(url("knowledge_promote", cast.public) + f"?story={plain.pk}").status_code == 404
    )
    client.post(url("knowledge_promote", cast.public), form_data(story=featured.pk))

    source = KnowledgeSource.objects.get()
    assert (source.kind, source.value_story) == ("value_story", featured)


def test_knowledge_promote_double_submit_creates_one_entry(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    client = client_for("facilitator")
    data = form_data(thread=thread.pk, submission=new_key())

    first = client.post(url("knowledge_promote", cast.public), data)
    second = client.post(url("knowledge_promote", cast.public), data)

    assert KnowledgeEntry.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_knowledge_promote_public_refused_when_not_allowed(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    client = client_for("facilitator")

    response = client.post(
        url("knowledge_promote", cast.public),
        form_data(thread=thread.pk, visibility="public", title="Kept title"),
    )

    assert response.status_code == 400
    assert "Public knowledge is not allowed here" in text(response)
    assert "Kept title" in text(response)
    assert not KnowledgeEntry.objects.exists()


def test_knowledge_promote_public_refused_in_private_community_even_if_allowed(cast, client_for):
    allow_public(cast.private)
    thread = thread_with_replies(cast.private, cast.member, cast.facilitator)

    response = client_for("facilitator").post(
        url("knowledge_promote", cast.private), form_data(thread=thread.pk, visibility="public")
    )

    assert response.status_code == 400
    assert not KnowledgeEntry.objects.exists()


def test_knowledge_promote_public_when_allowed(cast, client_for):
    allow_public(cast.public)
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)

    client_for("facilitator").post(
        url("knowledge_promote", cast.public),
        form_data(thread=thread.pk, visibility="public", status="published"),
    )

    entry = KnowledgeEntry.objects.get()
    assert (entry.visibility, entry.status) == ("public", "published")
    assert entry.published_at is not None
    assert AuditEvent.objects.filter(action="knowledge.publish").count() == 1


def test_knowledge_promote_refused_in_archived_community(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    archive(cast.public)
    client = client_for("facilitator")

    response = client.post(url("knowledge_promote", cast.public), form_data(thread=thread.pk))

    assert "archived" in after_redirect(client, response)
    assert not KnowledgeEntry.objects.exists()
    page = text(client.get(thread.get_absolute_url()))
    assert url("knowledge_promote", cast.public) not in page


def test_knowledge_promote_hidden_post_not_offered(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    hidden = thread.posts.order_by("number").last()
    hide_post(hidden, actor=cast.facilitator, reason="Off topic")

    client = client_for("facilitator")
    choose = text(client.get(url("knowledge_promote_posts", cast.public, thread.pk)))
    assert f'value="{hidden.pk}"' not in choose
    response = client.get(
        url("knowledge_promote", cast.public) + f"?thread={thread.pk}&post={hidden.pk}"
    )
    assert response.status_code == 404


def test_knowledge_default_review_in_six_months(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    form = text(
        client_for("facilitator").get(
            url("knowledge_promote", cast.public) + f"?thread={thread.pk}"
        )
    )
    assert (timezone.localdate() + timedelta(days=182)).isoformat() in form


def test_knowledge_promote_prefills_from_the_summary_then_the_answer(cast, client_for):
    summaries = pytest.importorskip("forums.services.summaries")
    answers = pytest.importorskip("forums.services.answers")
    thread = start_thread(forum_in(cast.public, kind="questions"), cast.member, title="Why?")
    [answer] = add_replies(thread, [cast.facilitator], 1, body="Because of the accepted reason.")
    answers.mark_answer(thread, actor=cast.member, post=answer)
    client = client_for("facilitator")
    promote = url("knowledge_promote", cast.public) + f"?thread={thread.pk}"

    assert "Because of the accepted reason." in text(client.get(promote))

    summaries.save_summary(thread, actor=cast.facilitator, body="The summary of it all.")
    page = text(client.get(promote))
    assert "The summary of it all." in page
    assert "Because of the accepted reason." not in page
