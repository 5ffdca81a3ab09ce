"""The knowledge pages: list, entry, sources named hidden, visibility, edit and status, feed,
and the organizer's setting (issue 16)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import AuditEvent
from documents.services.trash import trash_document
from facilitation.knowledge.services import SourceRef
from facilitation.models import KnowledgeEntry
from forums.services import hide_post
from tests.communities.helpers import after_redirect, text
from tests.facilitation.knowledge_helpers import (
    allow_public,
    archive,
    document_of,
    entry_of,
    form_data,
    thread_source,
    thread_with_replies,
    url,
)

pytestmark = pytest.mark.django_db
PUBLIC = KnowledgeEntry.Visibility.PUBLIC


# --- Sources kept, hidden ones named hidden -------------------------------------------------------


def test_knowledge_hidden_post_source_named_hidden_and_text_not_copied(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    post = thread.posts.order_by("number").last()
    source = SourceRef("post", post, f"{thread.title} #{post.number}", post.get_absolute_url())
    entry = entry_of(cast.public, cast.facilitator, sources=[source], summary="Our own words.")
    hide_post(post, actor=cast.facilitator, reason="Private details")

    page = text(client_for("member").get(entry.get_absolute_url()))

    assert f"{thread.title} #{post.number}" in page
    assert "knowledge-source-hidden" in page
    assert ">hidden<" in page
    assert post.body not in page
    assert post.get_absolute_url() not in page


def test_knowledge_deleted_and_trashed_sources_stay_listed_as_hidden(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    document = document_of(cast.public, cast.member, title="Protocol v1")
    entry = entry_of(
        cast.public,
        cast.facilitator,
        sources=[
            thread_source(thread),
            SourceRef("document", document, document.title, document.get_absolute_url()),
        ],
    )
    thread_url = thread.get_absolute_url()
    thread.delete()
    trash_document(document, actor=cast.member)

    page = text(client_for("member").get(entry.get_absolute_url()))

    assert "Opening a lesson" in page and "Protocol v1" in page
    assert page.count("knowledge-source-hidden") == 2
    assert thread_url not in page


def test_knowledge_visible_source_is_linked(cast, client_for):
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    entry = entry_of(cast.public, cast.facilitator, sources=[thread_source(thread)])

    page = text(client_for("member").get(entry.get_absolute_url()))

    assert f'href="{thread.get_absolute_url()}"' in page
    assert "knowledge-source-hidden" not in page


# --- Who reads what -------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
def test_knowledge_members_only_entry_404_to_outsiders(cast, client_for, principal):
    allow_public(cast.public)
    entry = entry_of(cast.public, cast.facilitator, title="Members secret entry")

    client = client_for(principal)
    assert client.get(entry.get_absolute_url()).status_code == 404
    assert "Members secret entry" not in text(client.get(url("knowledge", cast.public)))
    feed = client.get(url("knowledge_feed", cast.public))
    assert feed.status_code == 200
    assert "Members secret entry" not in text(feed)


def test_knowledge_members_read_members_only_entry(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator, title="Members entry")
    assert "Members entry" in text(client_for("member").get(entry.get_absolute_url()))
    assert "Members entry" in text(client_for("member").get(url("knowledge", cast.public)))


def test_knowledge_draft_only_for_facilitators(cast, client_for):
    entry = entry_of(cast.public, cast.organizer, title="A draft", status="draft")
    assert client_for("member").get(entry.get_absolute_url()).status_code == 404
    assert "A draft" not in text(client_for("member").get(url("knowledge", cast.public)))
    assert "A draft" in text(client_for("facilitator").get(url("knowledge", cast.public)))
    assert client_for("facilitator").get(entry.get_absolute_url()).status_code == 200


def test_knowledge_public_entry_readable_anonymously_with_open_graph(cast, client_for):
    allow_public(cast.public)
    entry = entry_of(cast.public, cast.facilitator, title="Open entry", visibility=PUBLIC)

    response = client_for("anonymous").get(entry.get_absolute_url())
    page = text(response)

    assert response.status_code == 200
    assert '<meta property="og:title" content="Open entry">' in page
    assert (
        '<meta property="og:description" content="Open with a question the class cares about.">'
        in page
    )
    assert '<meta property="og:type" content="article">' in page
    assert f'content="http://testserver{entry.get_absolute_url()}"' in page
    assert "Open entry" in text(client_for("anonymous").get(url("knowledge", cast.public)))


def test_knowledge_public_entry_hidden_once_public_knowledge_is_turned_off(cast, client_for):
    allow_public(cast.public)
    entry = entry_of(cast.public, cast.facilitator, visibility=PUBLIC)
    cast.public.allow_public_knowledge = False
    cast.public.save(update_fields=["allow_public_knowledge"])

    assert client_for("anonymous").get(entry.get_absolute_url()).status_code == 404
    assert client_for("anonymous").get(url("knowledge_feed", cast.public)).status_code == 404


def test_knowledge_public_entry_still_readable_once_archived(cast, client_for):
    allow_public(cast.public)
    entry = entry_of(cast.public, cast.facilitator, title="Kept knowledge", visibility=PUBLIC)
    archive(cast.public)

    response = client_for("anonymous").get(entry.get_absolute_url())
    assert response.status_code == 200
    assert "Kept knowledge" in text(client_for("anonymous").get(url("knowledge_feed", cast.public)))


def test_knowledge_private_community_entries_404_to_outsiders(cast, client_for):
    entry = entry_of(cast.private, cast.facilitator)
    assert client_for("outsider").get(entry.get_absolute_url()).status_code == 404
    assert client_for("anonymous").get(url("knowledge", cast.private)).status_code == 404
    assert client_for("anonymous").get(url("knowledge_feed", cast.private)).status_code == 404


# --- Feed -----------------------------------------------------------------------------------------


def test_knowledge_feed_lists_only_published_public_entries(cast, client_for):
    allow_public(cast.public)
    entry_of(cast.public, cast.facilitator, title="Public one", visibility=PUBLIC)
    entry_of(cast.public, cast.facilitator, title="Public draft", visibility=PUBLIC, status="draft")
    entry_of(cast.public, cast.facilitator, title="Members one")

    response = client_for("anonymous").get(url("knowledge_feed", cast.public))
    feed = text(response)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Public one" in feed
    assert "Public draft" not in feed and "Members one" not in feed


def test_knowledge_feed_404_when_public_knowledge_not_allowed(cast, client_for):
    assert client_for("member").get(url("knowledge_feed", cast.public)).status_code == 404


# --- List -----------------------------------------------------------------------------------------


def test_knowledge_list_filters_by_tag_and_text(cast, client_for):
    entry_of(cast.public, cast.facilitator, title="About energy", tags=["energy"])
    entry_of(cast.public, cast.facilitator, title="About heritage", tags=["heritage"])
    client = client_for("member")

    by_tag = text(client.get(url("knowledge", cast.public) + "?tag=energy"))
    by_text = text(client.get(url("knowledge", cast.public) + "?q=heritage"))

    assert "About energy" in by_tag and "About heritage" not in by_tag
    assert "About heritage" in by_text and "About energy" not in by_text


def test_knowledge_list_empty_state(cast, client_for):
    assert "No knowledge entry yet." in text(
        client_for("member").get(url("knowledge", cast.public))
    )


def test_knowledge_list_facilitators_filter_by_status(cast, client_for):
    entry_of(cast.public, cast.facilitator, title="Retired one", status="retired")
    entry_of(cast.public, cast.facilitator, title="Live one")
    page = text(client_for("facilitator").get(url("knowledge", cast.public) + "?status=retired"))
    assert "Retired one" in page and "Live one" not in page


def test_knowledge_list_tab_shown(cast, client_for):
    page = text(client_for("member").get(url("knowledge", cast.public)))
    assert f'href="{url("knowledge", cast.public)}"' in page


def _list_queries(client, community) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("knowledge", community)).status_code == 200
    return len(queries)


def test_knowledge_list_query_count_flat(cast, client_for):
    client = client_for("member")
    entry_of(cast.public, cast.facilitator, title="Entry 0", tags=["t0"])
    one = _list_queries(client, cast.public)
    for number in range(1, 30):
        entry_of(cast.public, cast.member, title=f"Entry {number}", tags=[f"t{number}"])
    many = _list_queries(client, cast.public)
    assert one == many


# --- Edit and status ------------------------------------------------------------------------------


def test_knowledge_edit_summary(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator)
    client = client_for("facilitator")

    response = client.post(
        url("knowledge_edit", cast.public, entry.pk),
        form_data(summary="A **better** summary.", steward=cast.facilitator.pk),
    )

    entry.refresh_from_db()
    assert "better</strong>" in entry.summary_html
    assert "saved" in after_redirect(client, response)
    assert AuditEvent.objects.filter(action="knowledge.edit").exists()


def test_knowledge_edit_public_refused_when_not_allowed(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator)
    response = client_for("facilitator").post(
        url("knowledge_edit", cast.public, entry.pk), form_data(visibility="public")
    )
    assert response.status_code == 400
    assert "Public knowledge is not allowed here" in text(response)
    entry.refresh_from_db()
    assert entry.visibility == "members"


def test_knowledge_edit_forbidden_to_members(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator)
    assert client_for("member").get(url("knowledge_edit", cast.public, entry.pk)).status_code == 403


def test_knowledge_steward_may_edit(cast, client_for):
    entry = entry_of(cast.public, cast.member)  # the member promoted nothing: steward only
    assert client_for("member").get(url("knowledge_edit", cast.public, entry.pk)).status_code == 200


def test_knowledge_archived_refuses_edit_and_status(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator, status="draft")
    archive(cast.public)
    client = client_for("facilitator")

    edit = client.post(url("knowledge_edit", cast.public, entry.pk), form_data(title="Changed"))
    status = client.post(url("knowledge_status", cast.public, entry.pk), {"action": "publish"})

    assert "archived" in after_redirect(client, edit)
    assert status.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("How to open a lesson", "draft")


def test_knowledge_status_publish_retire_review(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator, status="draft")
    client = client_for("facilitator")
    status_url = url("knowledge_status", cast.public, entry.pk)

    client.post(status_url, {"action": "publish"})
    entry.refresh_from_db()
    assert entry.status == "published" and entry.published_at is not None

    later = timezone.localdate() + timedelta(days=365)
    client.post(status_url, {"action": "review", "review_on": later.isoformat()})
    entry.refresh_from_db()
    assert entry.review_on == later

    client.post(status_url, {"action": "retire"})
    entry.refresh_from_db()
    assert entry.status == "retired"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"knowledge.publish", "knowledge.review", "knowledge.retire"} <= actions


def test_knowledge_status_review_date_must_be_later(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator)
    before = entry.review_on
    client = client_for("facilitator")
    response = client.post(
        url("knowledge_status", cast.public, entry.pk),
        {"action": "review", "review_on": timezone.localdate().isoformat()},
    )
    assert "after today" in after_redirect(client, response)
    entry.refresh_from_db()
    assert entry.review_on == before


def test_knowledge_status_publish_public_refused_when_not_allowed(cast, client_for):
    allow_public(cast.public)
    entry = entry_of(cast.public, cast.facilitator, status="draft", visibility=PUBLIC)
    cast.public.allow_public_knowledge = False
    cast.public.save(update_fields=["allow_public_knowledge"])
    client = client_for("facilitator")

    response = client.post(url("knowledge_status", cast.public, entry.pk), {"action": "publish"})

    assert "Public knowledge is not allowed here" in after_redirect(client, response)
    entry.refresh_from_db()
    assert entry.status == "draft"


def test_knowledge_status_forbidden_to_members(cast, client_for):
    entry = entry_of(cast.public, cast.facilitator)
    response = client_for("member").post(
        url("knowledge_status", cast.public, entry.pk), {"action": "retire"}
    )
    assert response.status_code == 403


# --- The organizer's setting ----------------------------------------------------------------------


def test_knowledge_setting_in_community_settings(cast, client_for):
    client = client_for("organizer")
    page = text(client.get(url("community_settings", cast.public)))
    assert 'name="allow_public_knowledge"' in page


# --- Who may reach each page (the rows given to the permission matrix) ---------------------------

MATRIX = {
    # principal: (list, entry, edit GET, status POST, promote GET, promote posts GET, feed)
    "anonymous": (200, 404, 302, 302, 302, 302, 404),
    "outsider": (200, 404, 404, 404, 403, 403, 404),
    "other_member": (200, 404, 404, 404, 403, 403, 404),
    "member": (200, 200, 403, 403, 403, 403, 404),
    "facilitator": (200, 200, 200, 302, 200, 200, 404),
    "organizer": (200, 200, 200, 302, 200, 200, 404),
    "staff": (200, 404, 404, 404, 403, 403, 404),
}


@pytest.mark.parametrize("principal", sorted(MATRIX))
def test_knowledge_routes_answer_each_person(cast, client_for, principal):
    entry = entry_of(cast.public, cast.facilitator)
    thread = thread_with_replies(cast.public, cast.member, cast.facilitator)
    client = client_for(principal)
    answers = (
        client.get(url("knowledge", cast.public)).status_code,
        client.get(url("knowledge_entry", cast.public, entry.pk)).status_code,
        client.get(url("knowledge_edit", cast.public, entry.pk)).status_code,
        client.post(url("knowledge_status", cast.public, entry.pk), {"action": "x"}).status_code,
        client.get(url("knowledge_promote", cast.public) + f"?thread={thread.pk}").status_code,
        client.get(url("knowledge_promote_posts", cast.public, thread.pk)).status_code,
        client.get(url("knowledge_feed", cast.public)).status_code,
    )
    assert answers == MATRIX[principal]
