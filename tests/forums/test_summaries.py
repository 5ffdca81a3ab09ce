"""Thread summaries: facilitators write them, every save keeps a revision, the text is sanitized,
emptying asks first, and an archived community refuses."""

import pytest

from communities.models import AuditEvent, Community
from communities.permissions import access_for, can_summarize
from forums import selectors, services
from forums.models import Thread, ThreadSummary, ThreadSummaryRevision
from tests.communities.helpers import text

pytestmark = pytest.mark.django_db


def _url(thread: Thread) -> str:
    return f"/c/{thread.community.slug}/t/{thread.pk}/summary/"


def _history_url(thread: Thread) -> str:
    return f"/c/{thread.community.slug}/t/{thread.pk}/summary/history/"


def test_summaries_facilitator_writes_and_it_shows_at_the_top(cast, thread, facilitator_client):
    services.reply(thread, actor=cast.member, body="A reply.")

    response = facilitator_client.post(_url(thread), {"body": "We agreed on **three** steps."})

    assert response.status_code == 302
    summary = ThreadSummary.objects.get(thread=thread)
    assert summary.author == cast.facilitator
    page = text(facilitator_client.get(thread.get_absolute_url()))
    assert page.index('id="summary"') < page.index('id="post-1"')
    assert "We agreed on <strong>three</strong> steps." in page
    assert "Written by Fatou Facilitator" in page
    assert AuditEvent.objects.filter(action="thread.summarize").count() == 1


@pytest.mark.parametrize(
    ("principal", "status"),
    [("member", 403), ("outsider", 403), ("other_member", 403), ("staff", 403)],
)
def test_summaries_refused_to_non_facilitators(cast, thread, client_for, principal, status):
    client = client_for(principal)

    assert client.get(_url(thread)).status_code == status
    assert client.post(_url(thread), {"body": "Mine."}).status_code == status
    assert not ThreadSummary.objects.exists()


def test_summaries_anonymous_is_sent_to_log_in(cast, thread, anon_client):
    response = anon_client.post(_url(thread), {"body": "Mine."})

    assert response.status_code == 302
    assert not ThreadSummary.objects.exists()


def test_summaries_private_thread_is_hidden_from_outsiders(cast, private_forum, outsider_client):
    from tests.forums.factories import start_thread

    thread = start_thread(private_forum, cast.member, title="Staff matters")

    assert outsider_client.get(_url(thread)).status_code == 404
    assert outsider_client.get(_history_url(thread)).status_code == 404


def test_summaries_every_save_keeps_a_revision(cast, thread, facilitator_client, organizer_client):
    facilitator_client.post(_url(thread), {"body": "First version."})
    organizer_client.post(_url(thread), {"body": "Second version."})
    # The same text again is no new revision (a double submit saves once).
    organizer_client.post(_url(thread), {"body": "Second version."})

    revisions = list(ThreadSummaryRevision.objects.filter(thread=thread))
    assert [r.body for r in revisions] == ["Second version.", "First version."]
    assert [r.editor for r in revisions] == [cast.organizer, cast.facilitator]
    assert ThreadSummary.objects.get(thread=thread).body == "Second version."

    history = text(organizer_client.get(_history_url(thread)))
    assert history.index("Second version.") < history.index("First version.")
    assert "Olga Organizer" in history and "Fatou Facilitator" in history


def test_summaries_history_readable_by_readers(cast, thread, facilitator_client, anon_client):
    facilitator_client.post(_url(thread), {"body": "Version."})

    assert anon_client.get(_history_url(thread)).status_code == 200


def test_summaries_markdown_is_sanitized(cast, thread, facilitator_client, anon_client):
    facilitator_client.post(
        _url(thread),
        {"body": "Fine <script>alert('x')</script> [link](javascript:alert(1)) **bold**"},
    )

    page = text(anon_client.get(thread.get_absolute_url()))
    summary = page[page.index('id="summary"') : page.index('id="post-1"')]
    assert "<script>alert" not in summary
    assert 'href="javascript:' not in summary
    assert "<strong>bold</strong>" in summary
    history = text(anon_client.get(_history_url(thread)))
    assert "<script>alert" not in history


def test_summaries_emptying_asks_first_then_removes(cast, thread, facilitator_client):
    facilitator_client.post(_url(thread), {"body": "Something."})

    asked = facilitator_client.post(_url(thread), {"body": "  "})

    assert asked.status_code == 200
    assert "Remove the summary" in text(asked)
    assert ThreadSummary.objects.filter(thread=thread).exists()

    done = facilitator_client.post(_url(thread), {"body": "", "confirm": "1"})

    assert done.status_code == 302
    assert not ThreadSummary.objects.filter(thread=thread).exists()
    assert ThreadSummaryRevision.objects.filter(thread=thread).count() == 2
    assert AuditEvent.objects.filter(action="thread.summary_remove").count() == 1
    assert 'id="summary"' not in text(facilitator_client.get(thread.get_absolute_url()))


def test_summaries_too_long_keeps_the_text(cast, thread, facilitator_client):
    body = "x" * 20_001

    response = facilitator_client.post(_url(thread), {"body": body})

    assert response.status_code == 400
    assert body in text(response)
    assert not ThreadSummary.objects.exists()


def test_summaries_refused_in_an_archived_community(cast, thread, facilitator_client):
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)

    facilitator_client.post(_url(thread), {"body": "Late."})

    assert not ThreadSummary.objects.exists()
    archived = Thread.objects.select_related("forum", "community").get(pk=thread.pk)
    assert not can_summarize(access_for(cast.facilitator, archived.community), archived)
    with pytest.raises(services.ForumError):
        services.save_summary(archived, actor=cast.facilitator, body="Late.")


def test_summaries_selector_gives_the_source(cast, thread, facilitator_client):
    assert selectors.thread_summary_text(thread) == ""

    facilitator_client.post(_url(thread), {"body": "The **source**."})

    assert selectors.thread_summary_text(thread) == "The **source**."


def test_summaries_edit_link_only_for_facilitators(cast, thread, facilitator_client, member_client):
    assert "Write a summary" in text(facilitator_client.get(thread.get_absolute_url()))
    assert "Write a summary" not in text(member_client.get(thread.get_absolute_url()))
