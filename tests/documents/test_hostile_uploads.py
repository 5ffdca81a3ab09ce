"""Hostile uploads through the library's upload view: each is refused with a message naming the
problem, or stored under a name the app makes and served inert. Nothing lands outside MEDIA_ROOT,
and a refused file leaves neither a row nor a stored file behind.

The multipart bodies are written by hand: the test client would strip the path from a file name
before sending it, and the point is what the server does with the name a browser (or a script)
really sends."""

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape

from documents import services
from documents.models import Document, DocumentVersion
from tests.documents.conftest import png

pytestmark = pytest.mark.django_db

URL = "/c/open-practice/documents/upload/"
BOUNDARY = "praxis-test-boundary-7d3f"
JSON = {"HTTP_ACCEPT": "application/json"}
STORED_FILE = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|txt|pdf|mp4)$")
THUMBNAIL_FILE = re.compile(r"^[0-9a-f]{32}\.jpg$")
BIDI_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script></svg>"
)
# A GIF whose header reads as JavaScript: GIF89a/*<garbage>*/=alert(1);
GIF_POLYGLOT = (
    b"GIF89a/*\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;*/=alert(document.domain);"
)
ACTIVE = "holds web page, script or XML content, which is never accepted."
NOT_ACCEPTED = (
    "is not a kind of file accepted here. Accepted: images, PDF documents, videos, "
    "audio recordings, text files, office documents, ZIP archives."
)
MODES = ["form", "json"]


def _multipart(files: list[tuple[str, bytes]], fields: dict | None = None) -> bytes:
    """A multipart/form-data body with the file names exactly as given."""
    parts = []
    for name, value in (fields or {}).items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for file_name, content in files:
        head = (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8") + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def _post(client, mode: str, files: list[tuple[str, bytes]], fields=None, **extra):
    if mode == "json":
        extra = {**JSON, **extra}
    return client.post(
        URL,
        _multipart(files, fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **extra,
    )


def _files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.fixture
def outside(tmp_path):
    """The files around this test's MEDIA_ROOT (a `../` that escaped would land there): the
    fixture's value says what appeared outside MEDIA_ROOT since the test began."""
    watched = tmp_path.parent
    media = tmp_path / "media"
    before = _files_under(watched)

    def appeared() -> set[Path]:
        return {path for path in _files_under(watched) - before if media not in path.parents}

    return appeared


def _stored(settings) -> list[Path]:
    return sorted(_files_under(Path(settings.MEDIA_ROOT)))


def _assert_stored_only_under_the_library(settings, community) -> None:
    """Every stored file is MEDIA_ROOT/documents/<community id>/<uuid hex>.<ext> (or a thumbnail
    of that folder), under a name the app made."""
    library = Path(settings.MEDIA_ROOT) / "documents" / str(community.pk)
    for path in _stored(settings):
        relative = path.relative_to(library)  # raises when the file is anywhere else
        if relative.parent == Path("thumbs"):
            assert THUMBNAIL_FILE.match(relative.name), path
        else:
            assert relative.parent == Path("."), path
            assert STORED_FILE.match(relative.name), path


def _assert_refused(response, mode: str, message: str) -> None:
    if mode == "json":
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"uploaded": [], "errors": [message]}
    else:
        assert response.status_code == 400
        assert escape(message) in response.content.decode()


def _assert_nothing_kept(settings, outside) -> None:
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert _stored(settings) == []
    assert outside() == set()


def _assert_safe_display_name(name: str) -> None:
    assert name
    assert "/" not in name and "\\" not in name
    assert not BIDI_AND_CONTROLS.search(name), ascii(name)
    assert all(unicodedata.category(char) not in {"Cc", "Cf"} for char in name), ascii(name)
    assert len(name) <= 255
    assert name not in {".", ".."} and not name.startswith(".")


# --- Refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.jpg", HTML_PAGE, f"“page.jpg” {ACTIVE}"),
        ("logo.svg", SVG, f"“logo.svg” {ACTIVE}"),
        ("cat.gif", GIF_POLYGLOT, f"“cat.gif” {ACTIVE}"),
        ("renamed.png", HTML_PAGE, f"“renamed.png” {ACTIVE}"),
        ("empty.txt", b"", "“empty.txt” is empty."),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, f"“tool.exe” {NOT_ACCEPTED}"),
    ],
    ids=["html-as-jpg", "svg-with-script", "gif-js-polyglot", "html-as-png", "empty", "exe"],
)
def test_hostile_uploads_refused_with_a_message_and_nothing_kept(
    cast, member_client, settings, outside, mode, name, content, message
):
    response = _post(member_client, mode, [(name, content)])

    _assert_refused(response, mode, message)
    _assert_nothing_kept(settings, outside)


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_gif_polyglot_is_refused_even_with_a_real_gif_body(
    cast, member_client, settings, outside, mode
):
    # A real, decodable 1×1 GIF whose logical screen width bytes spell "/*": still a script.
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("P", (1, 1)).save(out, "GIF")
    real = out.getvalue()
    polyglot = real[:6] + b"/*" + real[8:] + b"*/=alert(1);"

    response = _post(member_client, mode, [("harmless.gif", polyglot)])

    _assert_refused(response, mode, f"“harmless.gif” {ACTIVE}")
    _assert_nothing_kept(settings, outside)


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_a_refused_file_does_not_stop_the_good_ones(
    cast, member_client, settings, outside, mode
):
    image = png()

    response = _post(member_client, mode, [("page.jpg", HTML_PAGE), ("board.png", image)])

    document = Document.objects.get()
    assert document.current_version.name == "board.png"
    assert DocumentVersion.objects.count() == 1
    if mode == "json":
        assert response.status_code == 200
        assert response.json() == {
            "uploaded": [{"title": "board", "url": document.get_absolute_url()}],
            "errors": [f"“page.jpg” {ACTIVE}"],
        }
    else:
        assert response.status_code == 302
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert shown == ["Uploaded “board”.", f"“page.jpg” {ACTIVE}"]
    assert len(_stored(settings)) == 1
    _assert_stored_only_under_the_library(settings, cast.public)
    assert outside() == set()


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_an_empty_file_is_named_and_does_not_stop_the_others(
    cast, member_client, settings, outside, mode
):
    response = _post(member_client, mode, [("empty.txt", b""), ("notes.txt", b"Notes.\n")])

    document = Document.objects.get()
    assert document.title == "notes"
    if mode == "json":
        assert response.status_code == 200
        assert response.json()["errors"] == ["“empty.txt” is empty."]
    else:
        assert response.status_code == 302
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert shown == ["Uploaded “notes”.", "“empty.txt” is empty."]
    assert len(_stored(settings)) == 1
    assert outside() == set()


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_into_a_folder_of_another_community_is_refused(
    cast, member_client, settings, outside, mode
):
    foreign = services.create_folder(cast.private, parent=None, name="Private", actor=cast.member)

    response = _post(member_client, mode, [("notes.txt", b"Notes.\n")], {"folder": foreign.pk})

    _assert_refused(
        response, mode, "Select a valid choice. That choice is not one of the available choices."
    )
    _assert_nothing_kept(settings, outside)


def test_hostile_uploads_into_a_folder_of_the_community_lands_there(cast, member_client):
    folder = services.create_folder(cast.public, parent=None, name="Plans", actor=cast.member)

    response = _post(member_client, "form", [("notes.txt", b"Notes.\n")], {"folder": folder.pk})

    assert response.status_code == 302
    assert response["Location"] == f"/c/open-practice/documents/f/{folder.pk}/"
    assert Document.objects.get().folder == folder


# --- Sizes -------------------------------------------------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.COP_UPLOAD_MAX_BYTES = 1000
    settings.COP_VIDEO_MAX_BYTES = 50_000
    return settings


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_a_file_one_byte_over_the_limit_is_refused_naming_the_limit(
    cast, member_client, small_limits, outside, mode
):
    response = _post(member_client, mode, [("notes.txt", b"n" * 1001)])

    message = (
        f"“notes.txt” is {filesizeformat(1001)}; the largest file accepted is "
        f"{filesizeformat(1000)} (videos: {filesizeformat(50_000)})."
    )
    _assert_refused(response, mode, message)
    _assert_nothing_kept(small_limits, outside)


def test_hostile_uploads_a_file_of_exactly_the_limit_is_accepted(
    cast, member_client, small_limits, outside
):
    response = _post(member_client, "json", [("notes.txt", b"n" * 1000)])

    assert response.status_code == 200
    assert response.json()["errors"] == []
    assert Document.objects.get().size == 1000
    _assert_stored_only_under_the_library(small_limits, cast.public)


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_a_video_may_be_larger_but_not_past_the_video_limit(
    cast, member_client, small_limits, outside, an_mp4, mode
):
    small_limits.COP_VIDEO_MAX_BYTES = len(an_mp4) - 1

    response = _post(member_client, mode, [("clip.mp4", an_mp4)])

    # Dropped while it arrived, by the limiter: never inspected, never stored.
    message = (
        f"“clip.mp4” is larger than the largest file accepted ({filesizeformat(len(an_mp4) - 1)})."
    )
    _assert_refused(response, mode, message)
    _assert_nothing_kept(small_limits, outside)

    small_limits.COP_VIDEO_MAX_BYTES = len(an_mp4)
    response = _post(member_client, "json", [("clip.mp4", an_mp4)])

    assert response.status_code == 200, response.content
    document = Document.objects.get()
    assert (document.kind, document.size) == ("video", len(an_mp4))
    assert len(an_mp4) > small_limits.COP_UPLOAD_MAX_BYTES
    _assert_stored_only_under_the_library(small_limits, cast.public)


class _UnreadableBody:
    """A request body that records any attempt to read it."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise AssertionError("the body of a request announced too large was read")

    readline = read


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_a_request_announcing_too_much_is_refused_before_its_body_is_read(
    cast, member_client, small_limits, outside, mode
):
    body = _UnreadableBody()
    extra = {"CONTENT_LENGTH": str(10_000_000), "wsgi.input": body}
    if mode == "json":
        extra.update(JSON)

    response = member_client.generic(
        "POST", URL, b"", content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
    )

    assert response.status_code == (413 if mode == "json" else 302)
    message = (
        f"This upload is larger than the largest file accepted ({filesizeformat(1000)}; "
        f"videos: {filesizeformat(50_000)})."
    )
    if mode == "json":
        assert response.json() == {"uploaded": [], "errors": [message]}
    else:
        assert response["Location"] == "/c/open-practice/documents/"
        assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    assert body.reads == 0
    _assert_nothing_kept(small_limits, outside)


def test_hostile_uploads_a_request_within_the_announced_limit_is_read(
    cast, member_client, small_limits
):
    # The counterpart of the test above: the refusal depends on the announced size, not on
    # Content-Length being present at all.
    response = _post(member_client, "json", [("notes.txt", b"Within the limit.\n")])

    assert response.status_code == 200
    assert Document.objects.count() == 1


# --- Names -------------------------------------------------------------------------------------

LONG_STEM = "observation-" * 25  # 300 characters


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("sent_name", "shown_name"),
    [
        ("../../../evil.png", "evil.png"),
        ("..\\..\\windows\\evil.png", "evil.png"),
        ("/etc/passwd.png", "passwd.png"),
        ("board\x00.php.png", "board.php.png"),
        ("invoice\u202egnp.exe", "invoicegnp.png"),
        ("\u202e\u2066photo\u2069.png", "photo.png"),
        (LONG_STEM + ".png", LONG_STEM[:251] + ".png"),
        ("photo.jpg.php", "photo.jpg.png"),
    ],
    ids=["dot-dot", "backslashes", "absolute", "nul", "rlo", "bidi-isolates", "300-chars", "php"],
)
def test_hostile_uploads_names_are_sanitized_and_files_stored_under_app_names(
    cast, member_client, settings, outside, mode, sent_name, shown_name
):
    image = png()

    response = _post(member_client, mode, [(sent_name, image)])

    if mode == "json":
        assert response.status_code == 200, response.content
        assert response.json()["errors"] == []
    else:
        assert response.status_code == 302
        assert response["Location"] == "/c/open-practice/documents/"
    version = DocumentVersion.objects.get()
    assert version.name == shown_name
    _assert_safe_display_name(version.name)
    _assert_safe_display_name(version.document.title)
    assert (version.content_type, version.kind) == ("image/png", "image")
    assert version.sha256 == hashlib.sha256(image).hexdigest()
    [stored] = _stored(settings)
    assert stored.read_bytes() == image
    assert stored.suffix == ".png"
    _assert_stored_only_under_the_library(settings, cast.public)
    assert outside() == set()


def test_hostile_uploads_a_jpg_php_name_holding_a_png_is_served_as_an_inert_image(
    cast, member_client, anon_client, settings, outside, django_capture_on_commit_callbacks
):
    image = png()
    with django_capture_on_commit_callbacks(execute=True):
        _post(member_client, "json", [("photo.jpg.php", image)])
    document = Document.objects.get()
    # The thumbnail made after commit is stored beside it, under a name of the app's too.
    assert document.current_version.thumbnail
    assert len(_stored(settings)) == 2
    _assert_stored_only_under_the_library(settings, cast.public)
    assert outside() == set()
    url = f"/c/open-practice/documents/{document.pk}/download/"

    response = anon_client.get(url, {"inline": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert response["Content-Disposition"] == 'inline; filename="photo.jpg.png"'
    assert b"".join(response.streaming_content) == image
    assert Path(document.current_version.file.name).suffix == ".png"

    download = anon_client.get(url)
    assert download["Content-Disposition"] == 'attachment; filename="photo.jpg.png"'
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "shown_name"),
    [
        ("../../../evil.png", "evil.png"),
        ("..\\..\\evil.png", "evil.png"),
        ("board\x00.png", "board.png"),
        ("invoice\u202egnp.exe", "invoicegnp.png"),
        ("\u200fphoto\u200e.png", "photo.png"),
        ("line\nbreak\r\ttab.png", "line break tab.png"),
        ("..", "file.png"),
        (LONG_STEM + ".png", LONG_STEM[:251] + ".png"),
        ("photo.jpg.php", "photo.jpg.png"),
    ],
    ids=["dot-dot", "backslashes", "nul", "rlo", "marks", "controls", "only-dots", "300", "php"],
)
def test_hostile_uploads_the_service_sanitizes_names_it_is_given_directly(
    cast, settings, outside, name, shown_name
):
    # Django's multipart parser already drops paths and unprintable characters; the library
    # must not depend on it (files also arrive from the demo seed and other callers).
    result = services.upload_document(
        cast.public, upload=ContentFile(png(), name=name), actor=cast.member
    )

    assert result.version.name == shown_name
    _assert_safe_display_name(result.version.name)
    _assert_safe_display_name(result.document.title)
    _assert_stored_only_under_the_library(settings, cast.public)
    assert outside() == set()


@pytest.mark.parametrize("mode", MODES)
def test_hostile_uploads_an_oversized_file_with_a_hostile_name_is_reported_safely(
    cast, member_client, small_limits, outside, mode
):
    response = _post(member_client, mode, [("../../big\u202etxt.exe", b"x" * 60_000)])

    message = f"“bigtxt.exe” is larger than the largest file accepted ({filesizeformat(50_000)})."
    _assert_refused(response, mode, message)
    _assert_nothing_kept(small_limits, outside)
