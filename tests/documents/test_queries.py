"""Every document list costs the same number of queries with 1 document and with 25
(STYLE.md, "Tests"): the library (list, grid, filtered), the trash and the search."""

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import services
from documents.models import Document, Folder
from tests.communities.helpers import text
from tests.documents.conftest import png, uploaded
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROW_TITLE = re.compile(r'class="(?:stretched-link )?fw-semibold" href="/c/[\w-]+/documents/\d+/"')
DOCUMENT_RESULT = 'class="mb-3 search-result document-result"'


def _measure(client, url: str, params: dict, count_shown) -> tuple[int, int, list[str]]:
    """(queries, items shown, the SQL) of one GET, after a warm-up GET of the same page."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(queries), count_shown(text(response)), [query["sql"] for query in queries]


def _rows(html: str) -> int:
    return len(ROW_TITLE.findall(html))


def _assert_flat(client, url, params, add, *, shown_at_25: int, count_shown=_rows) -> int:
    """Measure a page with one document and with 25: the same number of queries."""
    add(1)
    one, shown_one, _sql = _measure(client, url, params, count_shown)
    add(24)
    many, shown_many, sql = _measure(client, url, params, count_shown)

    assert shown_one == 1
    assert shown_many == shown_at_25
    assert one == many, "\n".join(sql)
    return many


@pytest.fixture
def people(cast):
    """Uploaders of different roles, so rows show different people."""
    extra = [MembershipFactory(community=cast.public).user for _ in range(2)]
    return itertools.cycle([cast.member, cast.facilitator, cast.organizer, *extra])


@pytest.fixture
def share(cast, people, django_capture_on_commit_callbacks):
    """share(count, folder_of=..., trashed=...) adds varied documents: images (thumbnailed),
    text files, some with a second version, each with tags shared with others."""

    def add(count, *, folder_of=lambda number: None, trash=False):
        for _ in range(count):
            number = Document.objects.count()
            uploader = next(people)
            if number % 4 == 0:
                name, content = f"board-{number}.png", png(color=(number * 9 % 255, 20, 90))
            else:
                name, content = f"plan-{number}.txt", f"Observation notes {number}.".encode()
            with django_capture_on_commit_callbacks(execute=True):
                result = services.upload_document(
                    cast.public,
                    upload=uploaded(name, content),
                    actor=uploader,
                    folder=folder_of(number),
                    description=f"An **observation** record, number {number}.",
                    tags=["shared", f"tag-{number % 3}", f"own-{number}"],
                )
                if number % 3 == 1:
                    services.add_version(
                        result.document,
                        upload=uploaded(name, content + b" Revised."),
                        actor=uploader,
                        note="Revised",
                    )
            if trash:
                services.trash_document(result.document, actor=uploader)

    return add


def _nested_folder(cast, number: int) -> Folder:
    """A folder three levels deep, a new branch every few documents (for breadcrumbs)."""
    top = Folder.objects.filter(community=cast.public, parent=None, name=f"Unit {number // 3}")
    if top.exists():
        return Folder.objects.get(parent__parent=top.get())
    unit = services.create_folder(cast.public, parent=None, name=f"Unit {number // 3}", actor=None)
    week = services.create_folder(cast.public, parent=unit, name="Week 1", actor=None)
    return services.create_folder(cast.public, parent=week, name="Lessons", actor=None)


@pytest.mark.parametrize("principal", ["member", "facilitator", "anonymous"])
@pytest.mark.parametrize("view", ["list", "grid"])
def test_queries_library(cast, client_for, share, principal, view):
    def add(count):
        share(count)
        # The folders listed above the documents grow too.
        services.create_folder(
            cast.public, parent=None, name=f"Folder {Folder.objects.count()}", actor=cast.member
        )

    _assert_flat(
        client_for(principal), "/c/open-practice/documents/", {"view": view}, add, shown_at_25=25
    )


@pytest.mark.parametrize("principal", ["member", "anonymous"])
@pytest.mark.parametrize(
    "params",
    [
        {"tag": "shared"},
        {"tag": "shared", "view": "grid", "sort": "-size"},
        {"uploader": "", "kind": "", "tag": "SHARED", "sort": "-date"},
    ],
)
def test_queries_library_filtered(cast, client_for, share, principal, params):
    def add(count):
        share(count, folder_of=lambda number: _nested_folder(cast, number))

    _assert_flat(client_for(principal), "/c/open-practice/documents/", params, add, shown_at_25=25)


def test_queries_library_of_a_folder(cast, member_client, share):
    folder = services.create_folder(cast.public, parent=None, name="Unit", actor=cast.member)
    inner = services.create_folder(cast.public, parent=folder, name="Week", actor=cast.member)

    def add(count):
        share(count, folder_of=lambda number: inner)
        services.create_folder(
            cast.public, parent=inner, name=f"Sub {Folder.objects.count()}", actor=cast.member
        )

    _assert_flat(member_client, inner.get_absolute_url(), {}, add, shown_at_25=25)


@pytest.mark.parametrize("principal", ["member", "facilitator"])
def test_queries_trash(cast, client_for, share, principal):
    def add(count):
        # The member sees the documents they trashed, the facilitator every one: share as the
        # member, so both see them all.
        for _ in range(count):
            share(1, trash=True)
            Document.objects.filter(pk=Document.objects.latest("pk").pk).update(
                uploaded_by=cast.member
            )

    def trash_rows(html: str) -> int:
        return html.count('<li class="list-group-item d-flex flex-wrap align-items-center gap-2">')

    _assert_flat(
        client_for(principal),
        "/c/open-practice/documents/trash/",
        {},
        add,
        shown_at_25=25,
        count_shown=trash_rows,
    )


def _document_results(html: str) -> int:
    return html.count(DOCUMENT_RESULT)


@pytest.mark.parametrize(
    ("url", "params", "shown_at_25"),
    [
        ("/search/", {"q": "observation"}, 5),
        ("/search/", {"q": "observation", "within": "documents"}, 20),
        ("/c/open-practice/search/", {"q": "observation"}, 5),
        ("/c/open-practice/search/", {"q": "observation", "within": "documents"}, 20),
    ],
)
def test_queries_search_with_documents(cast, member_client, share, url, params, shown_at_25):
    _assert_flat(
        member_client,
        url,
        params,
        share,
        shown_at_25=shown_at_25,
        count_shown=_document_results,
    )
