"""The document library through HTTP: the library page, uploads, folders, a document's page,
downloads, versions, details, the trash and who may do what."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from communities.models import Community, Membership
from documents import services
from documents.models import Document, DocumentVersion, Folder
from tests.communities.helpers import after_redirect, text
from tests.documents.conftest import png, uploaded
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LIBRARY = "/c/open-practice/documents/"
UPLOAD = "/c/open-practice/documents/upload/"
SANDBOX_POLICY = "sandbox; default-src 'none'"
# A row of the list view or a card of the grid view: the link to the document, its title.
ROW_TITLE = re.compile(
    r'class="(?:stretched-link )?fw-semibold" href="/c/[\w-]+/documents/\d+/">([^<]*)</a>'
)


def _titles(response) -> list[str]:
    """The titles of the documents listed on a library page, in order."""
    assert response.status_code == 200, response.status_code
    return ROW_TITLE.findall(text(response))


def _url(document: Document, suffix: str = "") -> str:
    return f"/c/{document.community.slug}/documents/{document.pk}/{suffix}"


def _body(response) -> bytes:
    """The bytes of a (streamed) file response. The test client closes the file once the stream
    is read (closing the response by hand would also close the test's database connection)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _folder(community, name: str, *, parent=None, actor) -> Folder:
    return services.create_folder(community, parent=parent, name=name, actor=actor)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_bytes() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b'<?xml version="1.0"?><document/>',
        }
    )


def mp3_bytes() -> bytes:
    # An ID3v2 tag header is what marks an MP3 here; what follows is not decoded.
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4


@pytest.fixture
def second_member(cast):
    """Another plain member of the public community."""
    return MembershipFactory(community=cast.public, user__display_name="Sara Second").user


@pytest.fixture
def second_client(second_member):
    client = Client()
    client.force_login(second_member)
    return client


@pytest.fixture
def processed(django_capture_on_commit_callbacks):
    """Run what commits schedule (documents.tasks.process_version runs inline)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- The library ----------------------------------------------------------------------------


def test_library_empty_state(member_client, anon_client):
    member_page = text(member_client.get(LIBRARY))
    anonymous_page = text(anon_client.get(LIBRARY))

    assert "The library is empty." in member_page
    assert "Upload the first file with the form." in member_page
    assert 'action="/c/open-practice/documents/upload/"' in member_page
    assert "The library is empty." in anonymous_page
    assert "Upload the first file" not in anonymous_page
    assert 'action="/c/open-practice/documents/upload/"' not in anonymous_page


def test_library_lists_folders_with_their_counts(cast, member_client, make_document):
    lessons = _folder(cast.public, "Lessons", actor=cast.member)
    _folder(cast.public, "Spring term", parent=lessons, actor=cast.member)
    _folder(cast.public, "Empty shelf", actor=cast.member)
    make_document("plan.txt", b"A plan.", folder=lessons)
    make_document("review.txt", b"A review.", folder=lessons)
    trashed = make_document("old.txt", b"Old.", folder=lessons)
    services.trash_document(trashed, actor=cast.member)
    make_document("top.txt", b"At the top.")

    response = member_client.get(LIBRARY)
    html = text(response)

    assert f'href="/c/open-practice/documents/f/{lessons.pk}/">Lessons</a>' in html
    assert "2 documents, 1 folder" in html  # the trashed one is not counted
    assert "0 documents" in html
    # The top of the library lists its own documents, not those of its folders.
    assert _titles(response) == ["top"]
    assert "Spring term" not in html


def test_library_breadcrumb_of_a_nested_folder(cast, member_client):
    year = _folder(cast.public, "Year 7", actor=cast.member)
    unit = _folder(cast.public, "Fractions", parent=year, actor=cast.member)
    lesson = _folder(cast.public, "Lesson 3", parent=unit, actor=cast.member)

    html = text(member_client.get(lesson.get_absolute_url()))

    crumbs = html[html.index('class="breadcrumb') : html.index("</ol>")]
    assert re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', crumbs) == [
        '<a href="/c/open-practice/documents/">Library</a>',
        f'<a href="/c/open-practice/documents/f/{year.pk}/">Year 7</a>',
        f'<a href="/c/open-practice/documents/f/{unit.pk}/">Fractions</a>',
        "Lesson 3",
    ]
    assert 'aria-current="page">Lesson 3</li>' in crumbs
    assert "This folder is empty." in html


def test_library_of_a_folder_of_another_community_is_404(cast, member_client):
    elsewhere = _folder(cast.other, "Theirs", actor=cast.other_member)

    response = member_client.get(f"/c/open-practice/documents/f/{elsewhere.pk}/")

    assert response.status_code == 404


def test_library_sorts_by_name_date_and_size(cast, member_client, make_document):
    small = make_document("banana.txt", b"1234")
    large = make_document("apple.txt", b"1234" * 100)
    middle = make_document("cherry.txt", b"1234" * 10)
    now = timezone.now()
    for document, days_ago in ((small, 1), (large, 3), (middle, 2)):
        Document.objects.filter(pk=document.pk).update(updated_at=now - timedelta(days=days_ago))

    def order(sort):
        return _titles(member_client.get(LIBRARY, {"sort": sort}))

    assert _titles(member_client.get(LIBRARY)) == ["apple", "banana", "cherry"]
    assert order("name") == ["apple", "banana", "cherry"]
    assert order("-name") == ["cherry", "banana", "apple"]
    assert order("-date") == ["banana", "cherry", "apple"]
    assert order("date") == ["apple", "cherry", "banana"]
    assert order("size") == ["banana", "cherry", "apple"]
    assert order("-size") == ["apple", "cherry", "banana"]


def test_library_filters_by_tag_across_folders(cast, member_client, make_document):
    unit = _folder(cast.public, "Unit 1", actor=cast.member)
    deep = _folder(cast.public, "Week 2", parent=unit, actor=cast.member)
    make_document("top.txt", b"top", tags=["Fractions"])
    make_document("deep.txt", b"deep", folder=deep, tags=["fractions", "homework"])
    make_document("other.txt", b"other", folder=unit, tags=["geometry"])

    response = member_client.get(LIBRARY, {"tag": "FRACTIONS"})
    html = text(response)

    assert _titles(response) == ["deep", "top"]
    assert "Showing matches from every folder." in html
    assert "Unit 1 / Week 2" in html  # where a match from a folder lives
    assert "folder-list" not in html  # folders are not listed while filtering


def test_library_filters_by_kind_and_uploader(
    cast, member_client, make_document, second_member, a_pdf
):
    folder = _folder(cast.public, "Reading", actor=cast.member)
    make_document("protocol.pdf", a_pdf, folder=folder)
    make_document("mine.txt", b"mine")
    make_document("board.png", png(), actor=second_member)
    make_document("theirs.txt", b"theirs", actor=second_member, folder=folder)

    assert _titles(member_client.get(LIBRARY, {"kind": "pdf"})) == ["protocol"]
    assert _titles(member_client.get(LIBRARY, {"kind": "text"})) == ["mine", "theirs"]
    by_second = member_client.get(LIBRARY, {"uploader": f"@{second_member.handle}"})
    assert _titles(by_second) == ["board", "theirs"]
    both = member_client.get(LIBRARY, {"uploader": second_member.handle, "kind": "image"})
    assert _titles(both) == ["board"]
    nothing = member_client.get(LIBRARY, {"uploader": "nobody-at-all"})
    assert _titles(nothing) == []
    assert "No document matches these filters." in text(nothing)


def test_library_grid_shows_thumbnails(cast, member_client, make_document, processed):
    with processed():
        picture = make_document("board.png", png())
    make_document("notes.txt", b"Plain notes.")

    grid = text(member_client.get(LIBRARY, {"view": "grid"}))
    listing = text(member_client.get(LIBRARY))

    thumbnail = f'src="/c/open-practice/documents/{picture.pk}/thumbnail/"'
    assert 'class="row row-cols-2 row-cols-md-3 g-3 list-unstyled document-grid"' in grid
    assert thumbnail in grid
    assert grid.count("document-thumb") == 2  # one image, one type icon for the text file
    assert 'aria-hidden="true">Text</div>' in grid
    assert thumbnail not in listing
    assert "document-table" in listing


def test_library_paginates(cast, member_client, make_document):
    for number in range(31):
        make_document(f"doc-{number:02}.txt", f"Document {number}".encode())

    first = member_client.get(LIBRARY)
    second = member_client.get(LIBRARY, {"page": 2, "sort": "name"})

    assert _titles(first) == [f"doc-{number:02}" for number in range(30)]
    assert "Page 1 of 2" in text(first)
    assert 'href="?page=2" rel="next"' in text(first)
    assert _titles(second) == ["doc-30"]
    assert 'href="?sort=name&amp;page=1" rel="prev"' in text(second)


# --- Uploads --------------------------------------------------------------------------------


def test_upload_several_files_in_one_post(cast, member_client):
    response = member_client.post(
        UPLOAD,
        {
            "files": [
                uploaded("Reading list.txt", b"Three books to read."),
                uploaded("board.png", png(), "image/png"),
            ]
        },
    )

    assert response.status_code == 302
    assert response["Location"] == LIBRARY
    page = after_redirect(member_client, response)
    assert "Uploaded “Reading list”." in page
    assert "Uploaded “board”." in page
    documents = {d.title: d for d in Document.objects.filter(community=cast.public)}
    assert set(documents) == {"Reading list", "board"}
    assert documents["board"].kind == "image"
    assert documents["Reading list"].kind == "text"
    assert all(d.uploaded_by == cast.member and d.version_count == 1 for d in documents.values())


def test_upload_checks_the_csrf_token_after_installing_the_limiter(cast):
    """The view is exempt from the middleware's check only to read the body itself: a post
    without the token is refused, and one with it goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.member)
    refused = client.post(UPLOAD, {"files": [uploaded("notes.txt", b"Forged upload.")]})
    assert refused.status_code == 403
    assert not Document.objects.exists()

    page = client.get(LIBRARY)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)
    accepted = client.post(
        UPLOAD,
        {"csrfmiddlewaretoken": token, "files": [uploaded("notes.txt", b"Real upload.")]},
    )
    assert accepted.status_code == 302
    assert Document.objects.filter(title="notes").exists()


def test_upload_into_a_folder_returns_to_it(cast, member_client):
    folder = _folder(cast.public, "Minutes", actor=cast.member)

    response = member_client.post(
        UPLOAD, {"files": [uploaded("march.txt", b"Minutes of March.")], "folder": folder.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == folder.get_absolute_url()
    assert Document.objects.get(title="march").folder == folder


def test_upload_refused_file_shows_why(cast, member_client):
    response = member_client.post(
        UPLOAD, {"files": [uploaded("page.html", b"<html><script>alert(1)</script></html>")]}
    )

    assert response.status_code == 400
    assert "“page.html” holds web page, script or XML content" in text(response)
    assert not Document.objects.exists()


def test_upload_json_answers_for_each_file(cast, member_client):
    response = member_client.post(
        UPLOAD,
        {
            "files": [
                uploaded("agenda.txt", b"Agenda of the meeting."),
                uploaded("evil.html", b"<script>alert(1)</script>"),
            ]
        },
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    data = response.json()
    agenda = Document.objects.get(title="agenda")
    assert data["uploaded"] == [{"title": "agenda", "url": agenda.get_absolute_url()}]
    assert len(data["errors"]) == 1
    assert "evil.html" in data["errors"][0]

    refused = member_client.post(
        UPLOAD, {"files": [uploaded("empty.txt", b"")]}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["uploaded"] == []
    assert refused.json()["errors"]


def test_upload_warns_of_a_duplicate_with_a_link(cast, member_client, make_document):
    original = make_document("protocol.txt", b"The same bytes.")

    response = member_client.post(UPLOAD, {"files": [uploaded("copy.txt", b"The same bytes.")]})

    page = after_redirect(member_client, response)
    assert "Uploaded “copy”." in page
    assert (
        "The same file is already in the library: "
        f'<a href="{original.get_absolute_url()}">protocol</a>.'
    ) in page
    assert Document.objects.filter(community=cast.public).count() == 2

    as_json = member_client.post(
        UPLOAD,
        {"files": [uploaded("again.txt", b"The same bytes.")]},
        HTTP_ACCEPT="application/json",
    )
    answer = as_json.json()["uploaded"][0]
    earlier = {d.get_absolute_url() for d in Document.objects.exclude(title="again")}
    assert answer["title"] == "again"
    assert answer["duplicate"]["url"] in earlier


def test_upload_refused_in_an_archived_community(cast, member_client):
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)

    page = member_client.get(UPLOAD)
    response = member_client.post(UPLOAD, {"files": [uploaded("a.txt", b"Text.")]})

    assert page.status_code == 403
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_upload_refused_to_a_silenced_member(cast, member_client):
    Membership.objects.filter(community=cast.public, user=cast.member).update(
        silenced_until=timezone.now() + timedelta(days=2)
    )

    response = member_client.post(UPLOAD, {"files": [uploaded("a.txt", b"Text.")]})
    library = text(member_client.get(LIBRARY))

    assert response.status_code == 403
    assert not Document.objects.exists()
    assert 'action="/c/open-practice/documents/upload/"' not in library


def test_upload_by_anonymous_goes_to_log_in(cast, anon_client):
    response = anon_client.post(UPLOAD, {"files": [uploaded("a.txt", b"Text.")]})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Document.objects.exists()


# --- Folders --------------------------------------------------------------------------------


def test_folder_create_at_the_top_and_inside_another(cast, member_client):
    response = member_client.post("/c/open-practice/documents/folders/new/", {"name": "Units"})
    units = Folder.objects.get(community=cast.public, name="Units")
    inner = member_client.post(
        "/c/open-practice/documents/folders/new/", {"name": "Unit 1", "parent": units.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == units.get_absolute_url()
    assert "Folder “Units” created." in after_redirect(member_client, response)
    unit = Folder.objects.get(name="Unit 1")
    assert inner["Location"] == unit.get_absolute_url()
    assert (unit.parent, unit.depth, unit.created_by) == (units, 2, cast.member)


def test_folder_create_refuses_a_second_folder_of_the_same_name(cast, member_client):
    _folder(cast.public, "Units", actor=cast.member)

    response = member_client.post("/c/open-practice/documents/folders/new/", {"name": "units"})

    assert response.status_code == 400
    assert "This folder already holds a folder named “units”." in text(response)
    assert Folder.objects.count() == 1


def test_folder_rename(cast, member_client):
    folder = _folder(cast.public, "Draft", actor=cast.member)

    page = member_client.get(f"/c/open-practice/documents/f/{folder.pk}/edit/")
    response = member_client.post(
        f"/c/open-practice/documents/f/{folder.pk}/edit/", {"name": "Final"}
    )

    assert page.status_code == 200
    assert 'value="Draft"' in text(page)
    assert response.status_code == 302
    folder.refresh_from_db()
    assert folder.name == "Final"


def test_folder_rename_by_another_member_is_refused(cast, second_client):
    folder = _folder(cast.public, "Mine", actor=cast.member)

    response = second_client.post(
        f"/c/open-practice/documents/f/{folder.pk}/edit/", {"name": "Theirs"}
    )

    assert response.status_code == 403
    folder.refresh_from_db()
    assert folder.name == "Mine"


def test_folder_delete_asks_first(cast, member_client):
    folder = _folder(cast.public, "Old things", actor=cast.member)

    response = member_client.get(f"/c/open-practice/documents/f/{folder.pk}/delete/")

    assert response.status_code == 200
    assert "Delete the folder “Old things”?" in text(response)
    assert "Yes, delete the folder" in text(response)
    assert Folder.objects.filter(pk=folder.pk).exists()


def test_folder_delete_an_empty_one(cast, member_client):
    parent = _folder(cast.public, "Units", actor=cast.member)
    folder = _folder(cast.public, "Old things", parent=parent, actor=cast.member)

    response = member_client.post(f"/c/open-practice/documents/f/{folder.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == parent.get_absolute_url()
    assert "Folder “Old things” deleted." in after_redirect(member_client, response)
    assert not Folder.objects.filter(pk=folder.pk).exists()


def test_folder_delete_refuses_a_folder_that_holds_something(cast, member_client, make_document):
    with_document = _folder(cast.public, "Full", actor=cast.member)
    make_document("kept.txt", b"Kept.", folder=with_document)
    with_folder = _folder(cast.public, "Parent", actor=cast.member)
    _folder(cast.public, "Child", parent=with_folder, actor=cast.member)

    for folder in (with_document, with_folder):
        response = member_client.post(f"/c/open-practice/documents/f/{folder.pk}/delete/")
        assert response.status_code == 302
        assert response["Location"] == folder.get_absolute_url()
        assert "Only an empty folder can be deleted" in after_redirect(member_client, response)
        assert Folder.objects.filter(pk=folder.pk).exists()


# --- A document's page ----------------------------------------------------------------------


def _preview(client, document) -> str:
    """The preview section of a document's page."""
    html = text(client.get(document.get_absolute_url()))
    start = html.index('<section class="document-preview')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("process", [False, True])
def test_document_previews_an_image(member_client, make_document, processed, process):
    if process:
        with processed():
            document = make_document("board.png", png())
        assert Document.objects.get(pk=document.pk).current_version.thumbnail
    else:
        document = make_document("board.png", png())

    preview = _preview(member_client, document)

    source = f'src="{_url(document, "download/")}?inline=1"'
    assert f'<img class="img-fluid border rounded" {source}' in preview


def test_document_does_not_show_an_image_processing_left_without_thumbnail(
    member_client, make_document, processed, settings
):
    """An image over the pixel limit gets no thumbnail: members' browsers do not decode it
    either."""
    settings.COP_IMAGE_MAX_PIXELS = 64 * 48 - 1
    with processed():
        document = make_document("board.png", png(size=(64, 48)))

    preview = _preview(member_client, document)

    assert not Document.objects.get(pk=document.pk).current_version.thumbnail
    assert "<img" not in preview
    assert "?inline=1" not in preview
    assert "No preview for “board.png”" in preview


def _long_pdf(pages: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    from documents.demo import pdf_bytes

    writer = PdfWriter()
    for number in range(1, pages + 1):
        writer.append(PdfReader(io.BytesIO(pdf_bytes(f"Page {number}", []))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_document_shows_a_pdf_as_page_images(member_client, make_document, processed, a_pdf):
    with processed():
        document = make_document("protocol.pdf", a_pdf)

    preview = _preview(member_client, document)

    assert (
        f'<img class="img-fluid border rounded bg-white" src="{_url(document, "pages/1/")}" '
        'alt="Page 1 of protocol" loading="lazy">'
    ) in preview
    assert preview.count("<img") == 1
    assert re.search(r">\s*1 page\s*</p>", preview)
    assert "Showing the first" not in preview
    assert f'<a class="btn btn-primary" href="{_url(document, "download/")}" download>' in preview
    assert "Download the PDF" in preview
    # The PDF itself is never put in the page.
    assert not re.search(r"<(iframe|embed|object)\b", preview)
    assert "inline=1" not in preview


def test_document_shows_the_first_pages_of_a_long_pdf(member_client, make_document, processed):
    with processed():
        document = make_document("report.pdf", _long_pdf(7))

    preview = _preview(member_client, document)

    assert preview.count("<img") == 5
    for number in range(1, 6):
        assert (
            f'src="{_url(document, f"pages/{number}/")}" alt="Page {number} of report"' in preview
        )
    assert "7 pages · Showing the first 5 pages" in preview


def test_document_pdf_not_processed_yet(member_client, make_document, a_pdf):
    document = make_document("protocol.pdf", a_pdf)

    preview = _preview(member_client, document)

    assert "The preview is being prepared." in preview
    assert f'href="{_url(document, "download/")}" download>Download the PDF</a>' in preview
    assert not re.search(r"<(img|iframe|embed|object)\b", preview)


def test_document_pdf_without_pages_offers_the_download(
    member_client, make_document, processed, a_pdf
):
    with processed():
        document = make_document("damaged.pdf", a_pdf[:200] + b"\x00" * 400)

    preview = _preview(member_client, document)

    assert "The preview of this PDF is unavailable." in preview
    assert f'href="{_url(document, "download/")}" download>Download the PDF</a>' in preview
    assert not re.search(r"<(img|iframe|embed|object)\b", preview)


def test_document_previews_a_video(member_client, make_document, an_mp4):
    document = make_document("clip.mp4", an_mp4)

    preview = _preview(member_client, document)

    assert "<video " in preview
    assert f'src="{_url(document, "download/")}?inline=1"' in preview


def test_document_previews_audio(member_client, make_document):
    document = make_document("talk.mp3", mp3_bytes())

    preview = _preview(member_client, document)

    assert document.kind == "audio"
    assert "<audio " in preview
    assert f'src="{_url(document, "download/")}?inline=1"' in preview


def test_document_renders_markdown_sanitized(member_client, make_document):
    source = (
        b"# Reading list\n\nThis is **important**.\n\n"
        b"<script>alert('x')</script>\n\n[bad](javascript:alert(1))\n"
    )
    document = make_document("reading.md", source)

    preview = _preview(member_client, document)

    assert "rendered-markdown" in preview
    assert "<h1>Reading list</h1>" in preview
    assert "<strong>important</strong>" in preview
    assert "<script" not in preview
    assert 'href="javascript' not in preview


def test_document_shows_plain_text_escaped(member_client, make_document):
    document = make_document("notes.txt", b"Ratio 2 < 3 & <b>not bold</b>\n")

    preview = _preview(member_client, document)

    assert '<pre class="card card-body text-preview mb-0">' in preview
    assert "Ratio 2 &lt; 3 &amp; &lt;b&gt;not bold&lt;/b&gt;" in preview
    assert "<b>" not in preview


def test_document_offers_an_office_document_as_a_download(member_client, make_document):
    document = make_document("plan.docx", docx_bytes())

    html = text(member_client.get(document.get_absolute_url()))
    preview = _preview(member_client, document)

    assert document.kind == "document"
    assert "No preview for “plan.docx”" in preview
    assert not re.search(r"<(img|iframe|video|audio|pre)\b", preview)
    assert f'href="{_url(document, "download/")}" download>Download</a>' in html


def test_document_of_another_community_is_404(cast, member_client, make_document):
    elsewhere = make_document(
        "theirs.txt", b"Theirs.", community=cast.other, actor=cast.other_member
    )

    response = member_client.get(f"/c/open-practice/documents/{elsewhere.pk}/")

    assert response.status_code == 404


# --- Downloads ------------------------------------------------------------------------------


def test_download_the_current_version(member_client, make_document):
    document = make_document("notes.txt", b"Version one.")

    response = member_client.get(_url(document, "download/"))

    assert response.status_code == 200
    assert _body(response) == b"Version one."
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX_POLICY


def test_download_any_version_by_number(cast, member_client, make_document):
    document = make_document("notes.txt", b"Version one.")
    services.add_version(
        document, upload=uploaded("notes.txt", b"Version two, longer."), actor=cast.member
    )

    current = member_client.get(_url(document, "download/"))
    first = member_client.get(_url(document, "versions/1/download/"))
    second = member_client.get(_url(document, "versions/2/download/"))
    missing = member_client.get(_url(document, "versions/3/download/"))

    assert _body(current) == b"Version two, longer."
    assert _body(first) == b"Version one."
    assert _body(second) == b"Version two, longer."
    assert missing.status_code == 404


@pytest.mark.parametrize("query", [{}, {"inline": "1"}])
@pytest.mark.parametrize("suffix", ["download/", "versions/1/download/"])
def test_download_pdf_is_always_an_attachment(member_client, make_document, a_pdf, suffix, query):
    """A PDF can carry JavaScript a browser's viewer would run on our origin: never inline."""
    document = make_document("protocol.pdf", a_pdf)

    response = member_client.get(_url(document, suffix), query)

    assert _body(response) == a_pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="protocol.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("board.png", png()),
        ("notes.txt", b"Some text."),
        ("talk.mp3", mp3_bytes()),
    ],
)
def test_download_inline_of_other_types_stays_sandboxed(
    member_client, make_document, name, content
):
    document = make_document(name, content)

    response = member_client.get(_url(document, "download/"), {"inline": "1"})

    assert _body(response) == content
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("bundle.zip", _zip({"a.txt": b"inside"}), "application/zip"),
        (
            "plan.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("reading.md", b"# Title\n\nSome *markdown*.\n", "text/markdown; charset=utf-8"),
    ],
)
def test_download_of_a_type_never_shown_inline_is_an_attachment(
    member_client, make_document, name, content, content_type
):
    document = make_document(name, content)

    for params in ({}, {"inline": "1"}):
        response = member_client.get(_url(document, "download/"), params)
        assert _body(response) == content
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response["Content-Security-Policy"] == SANDBOX_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"


def test_download_names_a_non_ascii_file_as_rfc_6266_says(member_client, make_document):
    document = make_document("Übersicht café.txt", b"Bonjour.")

    response = member_client.get(_url(document, "download/"))
    _body(response)

    assert document.title == "Übersicht café"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%C3%9Cbersicht%20caf%C3%A9.txt"
    )
    response["Content-Disposition"].encode("ascii")  # the header itself is plain ASCII


def test_download_serves_a_range_of_a_video(member_client, make_document, an_mp4):
    document = make_document("clip.mp4", an_mp4)
    size = len(an_mp4)

    whole = member_client.get(_url(document, "download/"), {"inline": "1"})
    middle = member_client.get(
        _url(document, "download/"), {"inline": "1"}, HTTP_RANGE="bytes=100-199"
    )
    tail = member_client.get(_url(document, "download/"), {"inline": "1"}, HTTP_RANGE="bytes=-50")
    rest = member_client.get(_url(document, "download/"), HTTP_RANGE=f"bytes={size - 10}-")

    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert _body(whole) == an_mp4
    assert middle.status_code == 206
    assert middle["Content-Range"] == f"bytes 100-199/{size}"
    assert middle["Content-Length"] == "100"
    assert middle["Content-Type"] == "video/mp4"
    assert _body(middle) == an_mp4[100:200]
    assert tail.status_code == 206
    assert tail["Content-Range"] == f"bytes {size - 50}-{size - 1}/{size}"
    assert _body(tail) == an_mp4[-50:]
    assert rest.status_code == 206
    assert _body(rest) == an_mp4[-10:]


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes=50-10", "bytes=abc"])
def test_download_refuses_an_unsatisfiable_range(member_client, make_document, an_mp4, header):
    document = make_document("clip.mp4", an_mp4)
    size = len(an_mp4)

    response = member_client.get(_url(document, "download/"), HTTP_RANGE=header.format(size=size))

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_thumbnail_is_404_when_there_is_none(member_client, make_document):
    document = make_document("notes.txt", b"No picture.")

    response = member_client.get(_url(document, "thumbnail/"))

    assert response.status_code == 404


def test_thumbnail_of_a_processed_image(member_client, make_document, processed):
    with processed():
        document = make_document("board.png", png(size=(1200, 800)))

    response = member_client.get(_url(document, "thumbnail/"))
    body = _body(response)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body.startswith(b"\xff\xd8\xff")
    from PIL import Image

    assert max(Image.open(io.BytesIO(body)).size) == 480


def test_page_image_of_a_processed_pdf(member_client, make_document, processed):
    with processed():
        document = make_document("report.pdf", _long_pdf(2))
    version = Document.objects.get(pk=document.pk).current_version

    first = member_client.get(_url(document, "pages/1/"))
    second = member_client.get(_url(document, "pages/2/"))

    from PIL import Image

    for number, response in ((1, first), (2, second)):
        body = _body(response)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert response["Content-Disposition"] == f'inline; filename="report-page-{number}.webp"'
        assert response["Content-Security-Policy"] == SANDBOX_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        with version.preview_page(number).open("rb") as stored:
            assert body == stored.read()
        assert Image.open(io.BytesIO(body)).size == (1000, 1295)


@pytest.mark.parametrize("number", [0, 2, 6])
def test_page_image_beyond_the_pages_is_404(member_client, make_document, processed, a_pdf, number):
    with processed():
        document = make_document("protocol.pdf", a_pdf)

    assert member_client.get(_url(document, "pages/1/")).status_code == 200
    assert member_client.get(_url(document, f"pages/{number}/")).status_code == 404


def test_page_image_is_404_for_what_has_no_pages(
    cast, member_client, make_document, processed, a_pdf
):
    unprocessed = make_document("protocol.pdf", a_pdf)
    with processed():
        picture = make_document("board.png", png())
        elsewhere = make_document(
            "theirs.pdf", a_pdf, community=cast.other, actor=cast.other_member
        )
        replaced = make_document("plan.pdf", a_pdf)
    with processed():
        services.add_version(replaced, upload=uploaded("plan.txt", b"Now text."), actor=cast.member)

    for document in (unprocessed, picture, replaced):
        assert member_client.get(_url(document, "pages/1/")).status_code == 404
    # Another community's document, asked for through this community (the matrix covers who
    # may see which community).
    assert (
        member_client.get(f"/c/open-practice/documents/{elsewhere.pk}/pages/1/").status_code == 404
    )
    assert member_client.get(_url(elsewhere, "pages/1/")).status_code == 200


# --- Versions -------------------------------------------------------------------------------


def test_version_upload_with_a_note_shows_in_the_history(cast, member_client, make_document):
    document = make_document("protocol.txt", b"First draft.")

    form = member_client.get(_url(document, "versions/new/"))
    response = member_client.post(
        _url(document, "versions/new/"),
        {"file": uploaded("protocol.txt", b"Second draft, longer."), "note": "Added round two"},
    )

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    page = after_redirect(member_client, response)
    assert "Version 2 uploaded." in page
    history = page[page.index('class="list-group version-list"') :]
    assert re.search(r"Version 2 <span class=\"badge text-bg-success\">current</span>", history)
    assert "Added round two" in history
    assert "Version 1</strong>" in history
    document.refresh_from_db()
    assert (document.version_count, document.size) == (2, len(b"Second draft, longer."))
    assert document.current_version.note == "Added round two"


def test_version_upload_refuses_a_bad_file(cast, member_client, make_document):
    document = make_document("protocol.txt", b"First draft.")

    response = member_client.post(
        _url(document, "versions/new/"), {"file": uploaded("v2.txt", b""), "note": "Oops"}
    )

    assert response.status_code == 400
    assert DocumentVersion.objects.filter(document=document).count() == 1


def test_version_make_current_again(cast, member_client, make_document):
    document = make_document("protocol.txt", b"First draft.")
    services.add_version(document, upload=uploaded("protocol.txt", b"Second."), actor=cast.member)

    response = member_client.post(_url(document, "versions/1/restore/"))

    assert response.status_code == 302
    page = after_redirect(member_client, response)
    assert "Version 1 is current again, as version 3." in page
    assert "Restored version 1" in page
    document.refresh_from_db()
    current = document.current_version
    assert (current.number, current.restored_from.number) == (3, 1)
    assert document.version_count == 3
    assert _body(member_client.get(_url(document, "download/"))) == b"First draft."
    # The restore is a POST only.
    assert member_client.get(_url(document, "versions/2/restore/")).status_code == 405


# --- Details --------------------------------------------------------------------------------


def test_edit_details(cast, member_client, make_document):
    folder = _folder(cast.public, "Guides", actor=cast.member)
    document = make_document("protocol.txt", b"Look.")

    form = member_client.get(_url(document, "edit/"))
    response = member_client.post(
        _url(document, "edit/"),
        {
            "title": "  Observation   guide ",
            "description": "Read **before** the visit. <script>alert(1)</script>",
            "tags": "Fractions, lesson study, fractions",
            "folder": folder.pk,
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Observation guide"
    assert document.folder == folder
    assert sorted(document.tags.values_list("name", flat=True)) == ["Fractions", "lesson study"]
    page = text(member_client.get(document.get_absolute_url()))
    assert "Document saved." in page
    assert "<strong>before</strong>" in page
    assert "<script>alert" not in page
    assert f'href="/c/open-practice/documents/f/{folder.pk}/">Guides</a>' in page
    assert 'href="/c/open-practice/documents/?tag=lesson%20study">lesson study</a>' in page
    # Moved: it is listed in its folder and no longer at the top.
    assert _titles(member_client.get(folder.get_absolute_url())) == ["Observation guide"]
    assert _titles(member_client.get(LIBRARY)) == []


def test_edit_details_refuses_an_empty_title(cast, member_client, make_document):
    document = make_document("protocol.txt", b"Look.")

    response = member_client.post(
        _url(document, "edit/"), {"title": "   ", "description": "", "tags": "", "folder": ""}
    )

    assert response.status_code == 400
    document.refresh_from_db()
    assert document.title == "protocol"


# --- The trash ------------------------------------------------------------------------------


def test_trash_asks_first(cast, member_client, make_document):
    document = make_document("protocol.txt", b"Look.")

    response = member_client.get(_url(document, "trash/"))

    assert response.status_code == 200
    assert "Move “protocol” to the trash?" in text(response)
    document.refresh_from_db()
    assert not document.is_trashed


def test_trash_and_restore(cast, member_client, facilitator_client, second_client, make_document):
    folder = _folder(cast.public, "Guides", actor=cast.member)
    document = make_document("protocol.txt", b"Lookout words.", folder=folder)
    search = "/c/open-practice/search/"
    link = f'href="{document.get_absolute_url()}"'
    assert link in text(member_client.get(search, {"q": "protocol"}))

    response = member_client.post(_url(document, "trash/"))

    assert response.status_code == 302
    assert response["Location"] == folder.get_absolute_url()
    assert "“protocol” is in the trash; it can be restored for 30 days." in after_redirect(
        member_client, response
    )
    document.refresh_from_db()
    assert document.is_trashed and document.trashed_by == cast.member
    # Gone from the library, its filters and the search.
    assert _titles(member_client.get(folder.get_absolute_url())) == []
    assert _titles(member_client.get(LIBRARY, {"kind": "text"})) == []
    assert link not in text(member_client.get(search, {"q": "protocol"}))
    assert link not in text(member_client.get("/search/", {"q": "protocol"}))
    # In the trash of its uploader and of the facilitators, not of other members.
    trash = "/c/open-practice/documents/trash/"
    assert document.get_absolute_url() in text(member_client.get(trash))
    assert document.get_absolute_url() in text(facilitator_client.get(trash))
    other_trash = second_client.get(trash)
    assert other_trash.status_code == 200
    assert document.get_absolute_url() not in text(other_trash)
    assert "The trash is empty." in text(other_trash)
    # Its page (with a restore button) for them; 404 for other members.
    page = text(member_client.get(document.get_absolute_url()))
    assert "In the trash (moved by Mateo Member)" in page
    assert f'action="{_url(document, "restore/")}"' in page
    assert facilitator_client.get(document.get_absolute_url()).status_code == 200
    assert second_client.get(document.get_absolute_url()).status_code == 404
    assert second_client.get(_url(document, "download/")).status_code == 404
    assert second_client.post(_url(document, "restore/")).status_code == 404

    restored = member_client.post(_url(document, "restore/"))

    assert restored.status_code == 302
    assert "“protocol” is back in the library." in after_redirect(member_client, restored)
    document.refresh_from_db()
    assert not document.is_trashed
    assert _titles(member_client.get(folder.get_absolute_url())) == ["protocol"]
    assert second_client.get(document.get_absolute_url()).status_code == 200
    assert link in text(member_client.get(search, {"q": "protocol"}))


def test_trash_restore_by_a_facilitator(cast, member_client, facilitator_client, make_document):
    document = make_document("protocol.txt", b"Look.")
    services.trash_document(document, actor=cast.member)

    response = facilitator_client.post(_url(document, "restore/"))

    assert response.status_code == 302
    document.refresh_from_db()
    assert not document.is_trashed


# --- Who may change a document --------------------------------------------------------------


def test_member_cannot_change_another_members_document(
    cast, member_client, make_document, second_member
):
    document = make_document("theirs.txt", b"Theirs.", actor=second_member)

    page = text(member_client.get(document.get_absolute_url()))
    responses = [
        member_client.get(_url(document, "edit/")),
        member_client.post(
            _url(document, "edit/"), {"title": "Mine now", "description": "", "tags": ""}
        ),
        member_client.get(_url(document, "trash/")),
        member_client.post(_url(document, "trash/")),
        member_client.post(
            _url(document, "versions/new/"), {"file": uploaded("theirs.txt", b"Changed.")}
        ),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    assert "Edit details" not in page
    assert "Move to trash" not in page
    assert "Upload a new version" not in page
    document.refresh_from_db()
    assert (document.title, document.is_trashed, document.version_count) == ("theirs", False, 1)


def test_member_cannot_restore_a_version_of_another_members_document(
    cast, member_client, make_document, second_member
):
    document = make_document("theirs.txt", b"Theirs.", actor=second_member)
    services.add_version(document, upload=uploaded("theirs.txt", b"Two."), actor=second_member)

    response = member_client.post(_url(document, "versions/1/restore/"))

    assert response.status_code == 403
    document.refresh_from_db()
    assert document.version_count == 2


def test_facilitator_may_change_any_document(cast, facilitator_client, make_document):
    document = make_document("theirs.txt", b"Theirs.")

    page = text(facilitator_client.get(document.get_absolute_url()))
    edited = facilitator_client.post(
        _url(document, "edit/"),
        {"title": "Renamed by facilitator", "description": "", "tags": "", "folder": ""},
    )
    trashed = facilitator_client.post(_url(document, "trash/"))

    assert "Edit details" in page
    assert edited.status_code == 302
    assert trashed.status_code == 302
    document.refresh_from_db()
    assert document.title == "Renamed by facilitator"
    assert document.is_trashed
    assert document.trashed_by == cast.facilitator


def test_anonymous_may_read_a_public_library_but_not_change_it(cast, anon_client, make_document):
    document = make_document("notes.txt", b"Public notes.")

    assert _titles(anon_client.get(LIBRARY)) == ["notes"]
    assert anon_client.get(document.get_absolute_url()).status_code == 200
    assert _body(anon_client.get(_url(document, "download/"))) == b"Public notes."
    edit = anon_client.get(_url(document, "edit/"))
    assert edit.status_code == 302
    assert edit["Location"].startswith("/accounts/login/?next=")


def test_private_library_is_404_to_outsiders(cast, client_for, make_document):
    document = make_document("secret.txt", b"Secret.", community=cast.private)
    urls = [
        "/c/closed-circle/documents/",
        f"/c/closed-circle/documents/{document.pk}/",
        f"/c/closed-circle/documents/{document.pk}/download/",
        f"/c/closed-circle/documents/{document.pk}/versions/1/download/",
    ]

    for principal in ("anonymous", "outsider", "other_member"):
        client = client_for(principal)
        assert [client.get(url).status_code for url in urls] == [404] * 4, principal
    member = client_for("member")
    assert [member.get(url).status_code for url in urls] == [200] * 4
