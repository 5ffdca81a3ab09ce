"""Search finds documents: by title, tag, description and the text read from the file, in the
communities a person may see, never from the trash.

Runs on SQLite (substring match, newest first) and on PostgreSQL (the weighted vector of each
document, ranked).
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from communities.models import Community
from documents import services
from documents.demo import pdf_bytes
from documents.models import Document
from documents.tasks import process_version
from tests.communities.helpers import text
from tests.documents.conftest import uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(cast, django_capture_on_commit_callbacks):
    """share(name, content, **fields): a document whose text has been read (process_version
    runs on commit, inline)."""

    def make(name, content, *, community=None, actor=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.upload_document(
                community or cast.public,
                upload=uploaded(name, content),
                actor=actor or cast.member,
                **fields,
            )
        return result.document

    return make


@pytest.fixture(scope="session")
def a_pdf() -> bytes:
    return pdf_bytes("Observation protocol", ["Notice what pupils say.", "Then discuss."])


def _documents(response) -> list[int]:
    """The ids of the documents a results page lists: the full list (within=documents) or the
    Documents section above the discussions."""
    assert response.status_code == 200, response.status_code
    if response.context["within"] == "documents":
        page = response.context["page"]
        return [document.pk for document in page.object_list] if page is not None else []
    return [document.pk for document in response.context["documents"] or []]


def _find(client, query: str, url: str = "/search/", **params) -> list[int]:
    return _documents(client.get(url, {"q": query, "within": "documents", **params}))


# --- Finding --------------------------------------------------------------------------------


def test_document_search_by_title(cast, share, member_client):
    guide = share("Tessellation guide.txt", b"Cut and fold.")
    share("Other.txt", b"Nothing about tiles.")

    response = member_client.get("/search/", {"q": "tessellation", "within": "documents"})

    assert _documents(response) == [guide.pk]
    html = text(response)
    assert f'href="{guide.get_absolute_url()}">Tessellation guide</a>' in html
    assert "Open Practice · Document · Text · Mateo Member" in html
    assert "1 result" in html


def test_document_search_by_tag(cast, share, member_client):
    tagged = share("Rods.txt", b"Coloured rods.", tags=["Manipulatives", "Year 3"])
    share("Untagged.txt", b"Just words.")

    assert _find(member_client, "manipulatives") == [tagged.pk]


def test_document_search_by_description(cast, share, member_client):
    described = share(
        "Session notes.txt",
        b"Plain notes.",
        description="We used **cuisenaire** rods for fractions.",
    )
    share("Other.txt", b"Other notes.", description="Nothing relevant.")

    response = member_client.get("/search/", {"q": "cuisenaire", "within": "documents"})

    assert _documents(response) == [described.pk]
    assert "<mark>cuisenaire</mark>" in response.context["page"].object_list[0].snippet
    assert "<mark>cuisenaire</mark>" in text(response)


def test_document_search_by_the_text_of_a_pdf(cast, share, member_client, a_pdf):
    protocol = share("protocol.pdf", a_pdf)  # "Notice what pupils say." is only in the file
    share("Other.txt", b"Nothing here.")

    response = member_client.get("/search/", {"q": "pupils", "within": "documents"})

    assert protocol.versions.get().text.count("pupils") == 1
    assert _documents(response) == [protocol.pk]
    assert "<mark>pupils</mark>" in response.context["page"].object_list[0].snippet


def test_document_search_by_the_text_of_a_text_file(cast, share, member_client):
    rubric = share("marking.txt", b"A holistic rubric for the kaleidoscope project.\n")

    assert _find(member_client, "kaleidoscope") == [rubric.pk]


def test_document_search_finds_the_text_only_once_it_is_read(cast, member_client):
    # Without the commit, process_version has not run: the text of the file is not known yet.
    document = services.upload_document(
        cast.public, upload=uploaded("marking.txt", b"The ziggurat exercise.\n"), actor=cast.member
    ).document
    assert _find(member_client, "ziggurat") == []

    assert process_version(document.current_version_id) is True

    assert _find(member_client, "ziggurat") == [document.pk]


def test_document_search_follows_the_current_version(
    cast, share, member_client, django_capture_on_commit_callbacks
):
    document = share("plan.txt", b"About the xylograph.\n")
    assert _find(member_client, "xylograph") == [document.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.add_version(
            document, upload=uploaded("plan.txt", b"About the zeppelin.\n"), actor=cast.member
        )

    assert _find(member_client, "zeppelin") == [document.pk]
    assert _find(member_client, "xylograph") == []


def test_document_search_needs_every_word(cast, share, member_client):
    both = share("Fractions with pizza.txt", b"Slices.")
    share("Pizza party.txt", b"End of term.")

    assert _find(member_client, "pizza fractions") == [both.pk]


def test_document_search_after_edit_finds_the_new_details(cast, share, member_client):
    document = share("draft.txt", b"Words.")
    services.update_document(
        document,
        actor=cast.member,
        title="Origami lesson",
        description="Folding **cranes**.",
        tags=["papercraft"],
        folder=None,
    )

    assert _find(member_client, "origami") == [document.pk]
    assert _find(member_client, "cranes") == [document.pk]
    assert _find(member_client, "papercraft") == [document.pk]
    assert _find(member_client, "draft") == []


def test_document_search_filters_by_uploader_and_dates(cast, share, member_client):
    mine = share("Tangram mine.txt", b"Mine.")
    theirs = share("Tangram theirs.txt", b"Theirs.", actor=cast.facilitator)
    moment = datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC)
    Document.objects.filter(pk=mine.pk).update(updated_at=moment)
    Document.objects.filter(pk=theirs.pk).update(updated_at=moment + datetime.timedelta(days=60))

    assert _find(member_client, "tangram", author=cast.member.handle) == [mine.pk]
    assert _find(member_client, "tangram", author=cast.facilitator.handle) == [theirs.pk]
    assert _find(member_client, "tangram", author="nobody-here") == []
    assert _find(member_client, "tangram", until="2026-03-15") == [mine.pk]
    assert _find(member_client, "tangram", since="2026-03-16") == [theirs.pk]
    assert _find(member_client, "tangram", since="2026-03-15", until="2026-03-15") == [mine.pk]
    default = member_client.get("/search/", {"q": "tangram", "author": cast.member.handle})
    assert _documents(default) == [mine.pk]


def test_document_search_ranks_or_orders_newest_first(cast, share, member_client):
    in_title = share("Abacus drills.txt", b"Counting.")
    in_text = share("Counting games.txt", b"We also used an abacus.\n")
    now = timezone.now()
    Document.objects.filter(pk=in_title.pk).update(updated_at=now - datetime.timedelta(days=2))
    Document.objects.filter(pk=in_text.pk).update(updated_at=now)

    found = _find(member_client, "abacus")

    if connection.vendor == "postgresql":
        # The title weighs more (A) than the file's text (C).
        assert found == [in_title.pk, in_text.pk]
    else:
        assert found == [in_text.pk, in_title.pk]


# --- How results show -----------------------------------------------------------------------


def test_document_search_within_documents_paginates(cast, share, member_client):
    for number in range(25):
        share(f"Protractor log {number:02}.txt", f"Entry {number}.".encode())

    first = member_client.get("/search/", {"q": "protractor", "within": "documents"})
    second = member_client.get("/search/", {"q": "protractor", "within": "documents", "page": 2})

    assert len(_documents(first)) == 20
    assert len(_documents(second)) == 5
    assert not set(_documents(first)) & set(_documents(second))
    assert set(_documents(first)) | set(_documents(second)) == set(
        Document.objects.values_list("pk", flat=True)
    )
    html = text(first)
    assert "25 results" in html
    assert 'href="?q=protractor&amp;within=documents&amp;page=2" rel="next"' in html
    assert html.count('class="mb-3 search-result document-result"') == 20
    assert "Discussions</h2>" not in html


def test_document_search_default_view_shows_a_documents_section(cast, share, member_client):
    from forums import services as forum_services

    forum = forum_services.create_forum(
        cast.public, actor=cast.organizer, name="Lesson study", slug="lesson-study"
    )
    thread = forum_services.start_thread(
        forum, actor=cast.member, title="Compass work", body="Drawing with a compass."
    )
    documents = [share(f"Compass sheet {number}.txt", b"Circles.") for number in range(7)]

    response = member_client.get("/search/", {"q": "compass"})

    html = text(response)
    assert len(_documents(response)) == 5
    assert set(_documents(response)) <= {document.pk for document in documents}
    section = html[html.index('<section class="mb-4 document-results"') :]
    section = section[: section.index("</section>")]
    assert '<h2 class="h5" id="document-results-title">Documents</h2>' in section
    assert section.count('class="mb-3 search-result document-result"') == 5
    assert 'href="?q=compass&amp;within=documents">All matching documents</a>' in section
    assert '<h2 class="h5">Discussions</h2>' in html
    assert [post.thread_id for post in response.context["page"].object_list] == [thread.pk]


def test_document_search_default_view_without_more_documents(cast, share, member_client):
    document = share("Compass sheet.txt", b"Circles.")

    response = member_client.get("/search/", {"q": "compass"})

    html = text(response)
    assert _documents(response) == [document.pk]
    assert "All matching documents" not in html
    assert "No discussion matches." in html
    assert "Nothing found" not in html


def test_document_search_within_posts_leaves_documents_out(cast, share, member_client):
    share("Compass sheet.txt", b"Circles.")

    response = member_client.get("/search/", {"q": "compass", "within": "posts"})

    assert response.context["documents"] is None
    assert "document-result" not in text(response)
    assert "Nothing found for “compass”." in text(response)


def test_document_search_within_one_community(cast, share, member_client):
    here = share("Dice games.txt", b"Probability.")
    elsewhere = share("Dice.txt", b"Elsewhere.", community=cast.other, actor=cast.other_member)
    private = share("Dice budget.txt", b"Secret.", community=cast.private)

    assert _find(member_client, "dice", "/c/open-practice/search/") == [here.pk]
    assert _find(member_client, "dice", "/c/closed-circle/search/") == [private.pk]
    assert _find(member_client, "dice", community="open-practice") == [here.pk]
    # Site-wide: every public community and the member's own private one.
    assert sorted(_find(member_client, "dice")) == sorted([here.pk, elsewhere.pk, private.pk])


# --- Privacy and the trash ------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
def test_document_search_never_shows_a_private_community_to_those_outside_it(
    cast, share, client_for, principal, a_pdf
):
    share("Marzipan budget.txt", b"Confidential.", community=cast.private, tags=["secret"])
    share("protocol.pdf", a_pdf, community=cast.private)
    public = share("Marzipan ratios.txt", b"Fractions.")
    client = client_for(principal)

    everywhere = client.get("/search/", {"q": "marzipan"})
    assert _documents(everywhere) == [public.pk]
    assert "Marzipan budget" not in text(everywhere)
    assert _find(client, "marzipan") == [public.pk]
    assert _find(client, "secret") == []
    assert _find(client, "pupils") == []
    assert _find(client, "marzipan", community="closed-circle") == []
    for params in ({"q": "marzipan"}, {"q": "marzipan", "within": "documents"}):
        assert client.get("/c/closed-circle/search/", params).status_code == 404


@pytest.mark.parametrize("principal", ["member", "facilitator", "organizer"])
def test_document_search_shows_a_private_community_to_its_members(
    cast, share, client_for, principal
):
    secret = share("Marzipan budget.txt", b"Confidential.", community=cast.private)
    client = client_for(principal)

    assert _find(client, "marzipan") == [secret.pk]
    assert _find(client, "marzipan", "/c/closed-circle/search/") == [secret.pk]
    assert "Closed Circle" in text(client.get("/search/", {"q": "marzipan"}))


def test_document_search_leaves_out_the_trash(
    cast, share, member_client, facilitator_client, a_pdf
):
    kept = share("Metronome kept.txt", b"Tempo.")
    trashed = share("Metronome old.txt", b"Tempo.", tags=["rhythm"])
    trashed_pdf = share("protocol.pdf", a_pdf)
    for document in (trashed, trashed_pdf):
        services.trash_document(document, actor=cast.facilitator)

    for client in (member_client, facilitator_client):
        assert _find(client, "metronome") == [kept.pk]
        assert _find(client, "rhythm") == []
        assert _find(client, "pupils") == []
        assert _documents(client.get("/search/", {"q": "metronome"})) == [kept.pk]

    services.restore_document(trashed, actor=cast.facilitator)
    assert sorted(_find(member_client, "metronome")) == sorted([kept.pk, trashed.pk])


def test_document_search_of_an_archived_community_still_finds(cast, share, member_client):
    document = share("Archive notes.txt", b"Quince.")
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)

    assert _find(member_client, "quince") == [document.pk]
