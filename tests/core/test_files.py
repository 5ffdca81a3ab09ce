"""core.files: stored files served inertly, with byte ranges locally and presigned URLs on S3."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import Http404, HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path

from core.files import file_response

CONTENT = bytes(range(256)) * 4  # 1024 bytes, each position recognisable
SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture(autouse=True)
def _no_database_on_close():
    """Closing a response signals the end of a request, which would check the database
    connection; as Django's test client does, keep that out of tests that use no database."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


@pytest.fixture
def stored(tmp_path):
    """A FieldFile-like object: what file_response needs is `.name` and `.storage`."""
    storage = FileSystemStorage(location=tmp_path / "files")
    name = storage.save("attachments/0123abcd.bin", ContentFile(CONTENT))
    return SimpleNamespace(name=name, storage=storage)


def _get(stored, *, filename="photo.png", content_type="image/png", inline=True, **headers):
    request = RequestFactory().get("/download", **headers)
    return file_response(
        request, stored, filename=filename, content_type=content_type, inline=inline
    )


def _body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


# --- Whole files ---------------------------------------------------------------------------------


def test_file_response_streams_an_image_inline_with_inert_headers(stored):
    response = _get(stored)

    assert response.status_code == 200
    assert _body(response) == CONTENT
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Accept-Ranges"] == "bytes"


def test_file_response_serves_as_attachment_when_asked(stored):
    response = _get(stored, inline=False)

    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
    response.close()


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("page.html", "text/html"),
        ("page.html", "text/html; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("feed.xml", "application/xml"),
        ("page.xhtml", "application/xhtml+xml"),
        ("thing.bin", "application/octet-stream"),
        ("notes.md", "text/markdown"),
        ("minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_file_response_forces_attachment_off_the_inline_allowlist(stored, filename, content_type):
    response = _get(stored, filename=filename, content_type=content_type, inline=True)

    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    response.close()


@pytest.mark.parametrize(
    "content_type",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "audio/ogg",
        "audio/mp4",
        "audio/wav",
        "text/plain",
    ],
)
def test_file_response_shows_allowlisted_types_inline(stored, content_type):
    response = _get(stored, filename="f", content_type=content_type, inline=True)

    assert response["Content-Disposition"] == 'inline; filename="f"'
    response.close()


def test_file_response_declares_utf8_for_text(stored):
    response = _get(stored, filename="notes.txt", content_type="text/plain")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    response.close()


def test_file_response_encodes_a_non_ascii_filename_per_rfc_6266(stored):
    response = _get(stored, filename="Compte rendu – été 2025.txt", content_type="text/plain")

    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''Compte%20rendu%20%E2%80%93%20%C3%A9t%C3%A9%202025.txt"
    )
    response.close()


def test_file_response_never_shows_a_pdf_inline(stored):
    """A PDF's own JavaScript would run in the browser's viewer on our origin: always a download,
    sandboxed should a browser open it anyway."""
    response = _get(stored, filename="minutes.pdf", content_type="application/pdf", inline=True)

    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["Content-Security-Policy"].startswith("sandbox")
    response.close()


def test_file_response_cleans_a_filename_that_would_break_the_header(stored):
    response = _get(
        stored, filename='../a\r\nSet-Cookie: x=1\u202e"b.txt', content_type="text/plain"
    )

    assert response["Content-Disposition"] == 'inline; filename="a Set-Cookie: x=1\\"b.txt"'
    assert not response.has_header("Set-Cookie")
    response.close()


def test_file_response_answers_404_for_a_missing_file(stored):
    stored.storage.delete(stored.name)

    with pytest.raises(Http404):
        _get(stored)


# --- Byte ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=2-5", 2, 5),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=1020-5000", 1020, 1023),
        ("bytes=-5000", 0, 1023),
        ("bytes=0-1023", 0, 1023),
    ],
)
def test_file_response_answers_a_range_with_206_and_exactly_those_bytes(
    stored, header, first, last
):
    response = _get(stored, content_type="video/mp4", HTTP_RANGE=header)

    assert response.status_code == 206
    assert _body(response) == CONTENT[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/1024"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'


def test_file_response_streams_a_large_range_in_chunks(tmp_path):
    content = bytes(range(251)) * 2000  # about 500 KB
    storage = FileSystemStorage(location=tmp_path)
    stored = SimpleNamespace(name=storage.save("big.bin", ContentFile(content)), storage=storage)

    response = _get(stored, content_type="video/mp4", HTTP_RANGE="bytes=100-400099")
    chunks = list(response.streaming_content)
    response.close()

    assert b"".join(chunks) == content[100:400100]
    assert max(len(chunk) for chunk in chunks) <= 64 * 1024
    assert len(chunks) > 1


@pytest.mark.parametrize(
    "header",
    ["bytes=1024-", "bytes=5000-6000", "bytes=-0", "bytes=5-2", "bytes=abc", "bytes=-", "bytes="],
)
def test_file_response_answers_416_to_a_range_it_cannot_satisfy(stored, header):
    response = _get(stored, HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX


@pytest.mark.parametrize(
    ("headers"),
    [
        {"HTTP_RANGE": "bytes=0-1,5-6"},  # several ranges: ignored, as RFC 9110 allows
        {"HTTP_RANGE": "items=0-1"},  # another unit
        {"HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": '"some-etag"'},  # a version never given
    ],
)
def test_file_response_sends_the_whole_file_for_a_range_it_ignores(stored, headers):
    response = _get(stored, **headers)

    assert response.status_code == 200
    assert _body(response) == CONTENT
    assert not response.has_header("Content-Range")


@pytest.mark.parametrize(
    "header",
    [
        "bytes=" + "9" * 5000 + "-",  # int() would refuse it: more than 4300 digits
        "bytes=" + "9" * 5000 + "-" + "9" * 5000,
        "bytes=99999999999999999999-",  # 19 digits and more: past the end of any file
        "bytes=1" + "0" * 18 + "-",
    ],
)
def test_file_response_answers_416_to_a_start_too_long_to_be_a_position(stored, header):
    response = _get(stored, HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-" + "9" * 5000, 0, 1023),  # a last byte past the end: to the end
        ("bytes=-" + "9" * 5000, 0, 1023),  # more than the whole file: the whole file
        ("bytes=" + "0" * 5000 + "2-" + "0" * 30 + "5", 2, 5),  # leading zeros are no digits
    ],
)
def test_file_response_reads_long_positions_as_far_past_the_end(stored, header, first, last):
    response = _get(stored, HTTP_RANGE=header)

    assert response.status_code == 206
    assert _body(response) == CONTENT[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/1024"


def test_file_response_answers_416_for_any_range_of_an_empty_file(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    stored = SimpleNamespace(name=storage.save("empty.bin", ContentFile(b"")), storage=storage)

    response = _get(stored, HTTP_RANGE="bytes=-10")

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */0"


class _TrackedStorage(FileSystemStorage):
    """A local storage handing out in-memory files and remembering them, to check each one
    gets closed."""

    def __init__(self, content: bytes) -> None:
        super().__init__()
        self.content = content
        self.opened: list[File] = []

    def open(self, name, mode="rb"):
        file = File(io.BytesIO(self.content), name=name)
        self.opened.append(file)
        return file


@pytest.mark.parametrize("header", [None, "bytes=3-9", "bytes=9999-"])
def test_file_response_closes_the_stored_file(header):
    storage = _TrackedStorage(CONTENT)
    stored = SimpleNamespace(name="a.bin", storage=storage)
    extra = {"HTTP_RANGE": header} if header else {}

    response = _get(stored, **extra)
    if response.streaming:
        list(response.streaming_content)
    response.close()

    assert [file.closed for file in storage.opened] == [True]


# --- Object storage ------------------------------------------------------------------------------


class _PresigningStorage:
    """Stands for django-storages' S3Storage: records what url() is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def url(self, name, parameters=None, expire=None, http_method=None):
        self.calls.append((name, parameters))
        return f"https://s3.example.org/b/{name}?X-Amz-Signature=abc"

    def open(self, name, mode="rb"):
        raise AssertionError("the web tier must not read the file when it lives on S3")


@override_settings(COP_S3_BUCKET="b")
def test_file_response_redirects_to_a_presigned_url_on_s3():
    storage = _PresigningStorage()
    stored = SimpleNamespace(name="attachments/0123abcd.png", storage=storage)

    response = _get(stored, filename="Photo été.png", content_type="image/png", inline=True)

    assert response.status_code == 302
    assert response["Location"] == (
        "https://s3.example.org/b/attachments/0123abcd.png?X-Amz-Signature=abc"
    )
    assert storage.calls == [
        (
            "attachments/0123abcd.png",
            {
                "ResponseContentDisposition": "inline; filename*=utf-8''Photo%20%C3%A9t%C3%A9.png",
                "ResponseContentType": "image/png",
            },
        )
    ]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    # The presigned URL expires: the redirect to it must not be cached.
    assert response["Cache-Control"] == "private, no-store"


@override_settings(COP_S3_BUCKET="b")
def test_file_response_asks_s3_for_an_attachment_off_the_inline_allowlist():
    storage = _PresigningStorage()
    stored = SimpleNamespace(name="attachments/0123abcd.html", storage=storage)

    _get(stored, filename="page.html", content_type="text/html", inline=True)

    (_, parameters) = storage.calls[0]
    assert parameters == {
        "ResponseContentDisposition": 'attachment; filename="page.html"',
        "ResponseContentType": "text/html; charset=utf-8",
    }


@override_settings(COP_S3_BUCKET="b")
def test_file_response_ignores_range_on_s3_which_serves_ranges_itself():
    storage = _PresigningStorage()
    stored = SimpleNamespace(name="v.mp4", storage=storage)

    response = _get(stored, content_type="video/mp4", HTTP_RANGE="bytes=0-10")

    assert response.status_code == 302


# --- Through the middleware stack ----------------------------------------------------------------


def _download(request):
    storage = _TrackedStorage(b"<script>alert(1)</script>")
    stored = SimpleNamespace(name="x.html", storage=storage)
    return file_response(request, stored, filename="x.html", content_type="text/html", inline=True)


def _plain(request):
    return HttpResponse("page")


urlpatterns = [path("download", _download), path("page", _plain)]


@pytest.mark.urls(__name__)
def test_file_response_keeps_its_sandbox_past_the_site_csp_middleware(client):
    page = client.get("/page")
    response = client.get("/download")

    # The site's own policy is on ordinary pages, the sandbox on the file.
    assert "sandbox" not in page["Content-Security-Policy"]
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Content-Disposition"] == 'attachment; filename="x.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
