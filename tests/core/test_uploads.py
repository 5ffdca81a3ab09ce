"""core.uploads: what a file is, decided from its bytes, and what is refused."""

import hashlib
import io
import re
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import (
    SimpleUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from PIL import Image

from core.uploads import (
    InspectedUpload,
    inspect_upload,
    sanitize_filename,
    storage_name,
)
from tests.factories import huge_png

LIMIT = 10 * 1024 * 1024


# --- Real files, built in memory ---------------------------------------------------------------


def _image(fmt: str, size=(40, 30), **options) -> bytes:
    output = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, size, color=1 if mode == "P" else (200, 30, 90)).save(output, fmt, **options)
    return output.getvalue()


def _zip(members: dict[str, bytes | str], *, mimetype: str | None = None) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            # OpenDocument: first member, stored uncompressed.
            archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return output.getvalue()


def _ooxml(folder: str, *extra: str) -> bytes:
    members = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
        "_rels/.rels": "<Relationships/>",
        f"{folder}/main.xml": "<document/>",
    }
    members.update(dict.fromkeys(extra, b"\x00" * 16))
    return _zip(members)


def _ftyp(brand: bytes, *compatible: bytes) -> bytes:
    brands = brand + b"\x00\x00\x02\x00" + b"".join(compatible or (brand,))
    box = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    return box + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def _ebml(doctype: bytes) -> bytes:
    doctype_element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    header = b"\x42\x86\x81\x01" + doctype_element
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x18\x53\x80\x67"


def _wav() -> bytes:
    samples = b"\x00\x00" * 800
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    data = b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", 4 + len(fmt) + len(data)) + b"WAVE" + fmt + data


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# An MPEG-1 layer III frame header (128 kbit/s, 44.1 kHz) followed by its padding.
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413
# MPEG-2 layer III (64 kbit/s, 22.05 kHz): 208 bytes a frame.
MP2_LAYER3_FRAME = b"\xff\xf3\x80\xc4" + b"\x00" * 204
OGG = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 30


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _inspect(name: str, content: bytes, **kwargs) -> InspectedUpload:
    return inspect_upload(
        _upload(name, content), max_bytes=kwargs.pop("max_bytes", LIMIT), **kwargs
    )


def _refusal(name: str, content: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _inspect(name, content, **kwargs)
    return caught.value


# --- The signature table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension", "kind"),
    [
        ("a.png", _image("PNG"), "image/png", ".png", "image"),
        ("a.jpg", _image("JPEG"), "image/jpeg", ".jpg", "image"),
        ("a.gif", _image("GIF"), "image/gif", ".gif", "image"),
        ("a.webp", _image("WEBP"), "image/webp", ".webp", "image"),
        ("a.pdf", PDF, "application/pdf", ".pdf", "pdf"),
        ("a.mp4", _ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4", ".mp4", "video"),
        ("a.m4a", _ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4", ".m4a", "audio"),
        ("a.mov", _ftyp(b"qt  "), "video/mp4", ".mov", "video"),
        ("a.webm", _ebml(b"webm"), "video/webm", ".webm", "video"),
        ("a.mkv", _ebml(b"matroska"), "video/x-matroska", ".mkv", "video"),
        ("a.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + MP3_FRAME, "audio/mpeg", ".mp3", "audio"),
        ("b.mp3", MP3_FRAME * 3, "audio/mpeg", ".mp3", "audio"),
        ("one-frame.mp3", MP3_FRAME, "audio/mpeg", ".mp3", "audio"),
        ("mpeg2.mp3", MP2_LAYER3_FRAME * 2, "audio/mpeg", ".mp3", "audio"),
        ("a.ogg", OGG, "audio/ogg", ".ogg", "audio"),
        ("a.wav", _wav(), "audio/wav", ".wav", "audio"),
        (
            "a.docx",
            _ooxml("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            "document",
        ),
        (
            "a.xlsx",
            _ooxml("xl"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
            "document",
        ),
        (
            "a.pptx",
            _ooxml("ppt"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ".pptx",
            "document",
        ),
        (
            "a.odt",
            _zip({"content.xml": "<x/>"}, mimetype="application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
            ".odt",
            "document",
        ),
        (
            "a.ods",
            _zip(
                {"content.xml": "<x/>"}, mimetype="application/vnd.oasis.opendocument.spreadsheet"
            ),
            "application/vnd.oasis.opendocument.spreadsheet",
            ".ods",
            "document",
        ),
        (
            "a.odp",
            _zip(
                {"content.xml": "<x/>"}, mimetype="application/vnd.oasis.opendocument.presentation"
            ),
            "application/vnd.oasis.opendocument.presentation",
            ".odp",
            "document",
        ),
        ("a.zip", _zip({"notes/readme.txt": "hello"}), "application/zip", ".zip", "archive"),
        ("empty.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip", ".zip", "archive"),
        ("a.txt", "Café, déjà vu.\n".encode(), "text/plain", ".txt", "text"),
        ("a.md", b"# Notes\n\n- one\n- two\n", "text/markdown", ".md", "text"),
        ("a.csv", b"name,score\nada,3\n", "text/csv", ".csv", "text"),
    ],
)
def test_inspect_upload_recognises_each_signature(name, content, content_type, extension, kind):
    inspected = _inspect(name, content)

    assert inspected.content_type == content_type
    assert inspected.extension == extension
    assert inspected.kind == kind
    assert inspected.name == name
    assert inspected.size == len(content)


def test_inspect_upload_ignores_the_browser_content_type():
    upload = _upload("a.png", _image("PNG"), content_type="text/html")

    assert inspect_upload(upload, max_bytes=LIMIT).content_type == "image/png"


def test_inspect_upload_reads_text_with_a_byte_order_mark():
    assert _inspect("a.txt", b"\xef\xbb\xbfhello\n").content_type == "text/plain"


def test_inspect_upload_accepts_text_cut_inside_a_character_at_the_sample_end():
    # "é" is two bytes; the 64 KiB sample ends between them.
    content = b"a" * (64 * 1024 - 1) + "é".encode() + b" and more\n"

    assert _inspect("long.txt", content).kind == "text"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("latin1.txt", "café".encode("latin-1")),
        ("nul.txt", b"hello\x00world"),
        ("utf16.txt", "hello".encode("utf-16")),
        ("lone-frame-header.mp3", b"\xff\xfb\x90\x64" + b"\x01" * 600),
        ("binary.bin", bytes(range(1, 32)) * 4),
        ("c1-controls.txt", "text\u0085\u0090more".encode()),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200),
        ("photo.heic", _ftyp(b"heic", b"mif1", b"heic")),
        ("photo.avif", _ftyp(b"avif", b"avif", b"mif1", b"miaf")),
        ("a.tiff", _image("TIFF")),
        ("a.bmp", _image("BMP")),
        ("unknown.ebml", b"\x1a\x45\xdf\xa3\x84\x42\x82\x81x"),
    ],
)
def test_inspect_upload_refuses_types_off_the_allowlist(name, content):
    error = _refusal(name, content)

    assert error.code == "not_allowed"
    assert name in error.messages[0]
    assert "not a kind of file accepted here" in error.messages[0]


def test_inspect_upload_refuses_a_kind_not_asked_for_and_says_which_are():
    error = _refusal("report.pdf", PDF, kinds={"image", "video"})

    assert error.code == "not_allowed"
    assert error.messages[0] == (
        "“report.pdf” is not a kind of file accepted here. Accepted: images, videos."
    )


def test_inspect_upload_accepts_a_kind_asked_for():
    assert _inspect("report.pdf", PDF, kinds={"pdf"}).kind == "pdf"


def test_inspect_upload_refuses_unknown_kinds_as_a_programming_error():
    with pytest.raises(ValueError, match="movie"):
        _inspect("a.pdf", PDF, kinds={"pdf", "movie"})


# --- Size --------------------------------------------------------------------------------------


def test_inspect_upload_accepts_a_file_exactly_at_the_limit():
    content = _image("PNG")

    assert _inspect("a.png", content, max_bytes=len(content)).size == len(content)


def test_inspect_upload_refuses_one_byte_over_the_limit_naming_both_sizes():
    content = b"x" * 2048

    error = _refusal("notes.txt", content, max_bytes=2047)

    assert error.code == "too_large"
    assert error.messages[0] == (
        "“notes.txt” is 2.0\xa0KB; the largest file accepted is 2.0\xa0KB."
    )


def test_inspect_upload_refuses_over_the_limit_before_reading_the_file():
    upload = _upload("big.pdf", PDF + b"\x00" * 5000)
    upload.chunks = pytest.fail  # reading it at all would fail the test

    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload, max_bytes=5000)

    assert caught.value.code == "too_large"
    assert "5.0\xa0KB" in caught.value.messages[0]


def test_inspect_upload_refuses_an_empty_file():
    error = _refusal("empty.pdf", b"")

    assert error.code == "empty"
    assert error.messages[0] == "“empty.pdf” is empty."


def test_inspect_upload_refuses_a_file_larger_than_it_announced():
    upload = UploadedFile(io.BytesIO(b"y" * 300), name="liar.txt", size=100)

    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload, max_bytes=200)

    assert caught.value.code == "too_large"
    assert "300\xa0bytes" in caught.value.messages[0]


# --- Active content ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("holiday.jpg", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
        ("page.txt", b"\xef\xbb\xbf  \n\t<HTML><p>hi</p></HTML>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("data.xml", b'<?xml version="1.0"?><data/>'),
        ("run.js", b"<script>fetch('/')</script>"),
        ("notes.md", b"<!-- a comment first -->\n# Title\n"),
    ],
)
def test_inspect_upload_refuses_markup_whatever_its_name(name, content):
    error = _refusal(name, content)

    assert error.code == "active_content"
    assert name in error.messages[0]


def _gif_polyglot(screen: bytes) -> bytes:
    """A GIF whose header bytes are also JavaScript, with the pixels Pillow needs to decode it."""
    gif = bytearray(_image("GIF", size=(4, 4)))
    gif[6:8] = screen
    return bytes(gif) + b"*/=alert(1);"


@pytest.mark.parametrize("screen", [b"/*", b"=1"])
def test_inspect_upload_refuses_a_gif_javascript_polyglot(screen):
    polyglot = _gif_polyglot(screen)
    # Pillow alone would let it through: it decodes as a GIF.
    with Image.open(io.BytesIO(polyglot)) as image:
        image.load()

    error = _refusal("cat.gif", polyglot)

    assert error.code == "active_content"
    assert error.messages[0] == (
        "“cat.gif” holds web page, script or XML content, which is never accepted."
    )


def test_inspect_upload_accepts_a_gif_whose_width_merely_starts_with_an_equals_sign():
    # 317 pixels wide: "=" then byte 0x01, which is not JavaScript.
    assert _inspect("wide.gif", _image("GIF", size=(317, 2))).kind == "image"


def test_inspect_upload_refuses_a_real_image_carrying_a_script():
    gif = _image("GIF", comment=b"<script>alert(document.cookie)</script>")
    assert Image.open(io.BytesIO(gif)).verify() is None  # Pillow alone would let it through

    assert _refusal("cat.gif", gif).code == "active_content"


def test_inspect_upload_refuses_an_html_page_hidden_in_a_png():
    png = _image("PNG")
    # A text chunk placed before the image data: ignored by viewers, sniffed by old browsers.
    text = b"tEXt" + b"comment\x00<html><script>alert(1)</script>"
    chunk = struct.pack(">I", len(text) - 4) + text + struct.pack(">I", 0)
    doctored = png[:33] + chunk + png[33:]

    assert _refusal("a.png", doctored).code == "active_content"


# --- Content that does not hold what it claims ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (_image("PNG")[:60], "an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "an image"),
        (_image("JPEG", size=(400, 300))[:-400], "an image"),
        (b"GIF89a" + b"\x00" * 4, "an image"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "an image"),
        (b"PK\x03\x04" + b"\x00" * 60, "a ZIP archive"),
    ],
)
def test_inspect_upload_refuses_a_damaged_file_that_only_starts_right(content, kind):
    error = _refusal("file", content)

    assert error.code == "unreadable"
    assert error.messages[0] == f"“file” looks like {kind} but cannot be read as one."


@pytest.mark.parametrize(
    ("name", "content", "actual"),
    [
        ("report.pdf", b"just some text\n", "a text file"),
        ("photo.jpg", PDF, "a PDF document"),
        ("minutes.docx", _zip({"a.txt": "x"}), "a ZIP archive"),
        ("song.mp3", _image("PNG"), "an image"),
        ("data.csv", _ooxml("xl"), "an office document"),
    ],
)
def test_inspect_upload_refuses_a_name_claiming_another_kind(name, content, actual):
    error = _refusal(name, content)

    assert error.code == "mismatch"
    assert (
        error.messages[0] == f"“{name}” does not hold what its name says: its content is {actual}."
    )


def test_inspect_upload_renames_a_wrong_extension_of_the_same_kind():
    assert _inspect("photo.png", _image("JPEG")).name == "photo.jpg"


def test_inspect_upload_keeps_an_alias_of_the_right_extension():
    assert _inspect("photo.JPEG", _image("JPEG")).name == "photo.JPEG"
    assert _inspect("clip.mov", _ftyp(b"isom")).name == "clip.mov"
    assert _inspect("voice.mp4", _ftyp(b"M4A ")).kind == "audio"


def test_inspect_upload_refuses_office_documents_with_macros():
    error = _refusal("budget.xlsm", _ooxml("xl", "xl/vbaProject.bin"))

    assert error.code == "macros"
    assert "macros" in error.messages[0]


# --- Names ---------------------------------------------------------------------------------------


def test_inspect_upload_shows_the_real_extension_after_a_wrong_last_one():
    inspected = _inspect("photo.jpg.php", _image("PNG"))

    assert inspected.name == "photo.jpg.png"
    assert inspected.extension == ".png"


def test_inspect_upload_gives_a_name_without_extension_the_real_one():
    assert _inspect("README", b"read me\n").name == "README.txt"
    assert _inspect("v1.2 final", b"notes\n").name == "v1.2 final.txt"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\ada\\report.pdf", "report.pdf"),
        ("..", "file"),
        ("../", "file"),
        ("", "file"),
        ("\x00\x01", "file"),
        ("evil.php\x00.png", "evil.php.png"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
        ("  .hidden  ", "hidden"),
        ("...dots.txt...", "dots.txt"),
        ("tabs\tand\nnew\r\nlines  and   spaces.txt", "tabs and new lines and spaces.txt"),
        ("line\u2028separator.txt", "line separator.txt"),
        ("Cafe\u0301.txt", "Café.txt"),
        ('quote".txt', 'quote".txt'),
    ],
)
def test_sanitize_filename_cleans_names(name, expected):
    assert sanitize_filename(name) == expected


def test_sanitize_filename_caps_length_keeping_the_extension():
    sanitized = sanitize_filename("a" * 296 + ".docx")

    assert len(sanitized) == 255
    assert sanitized == "a" * 250 + ".docx"


def test_sanitize_filename_caps_a_name_without_extension():
    assert sanitize_filename("b" * 300) == "b" * 255


def test_sanitize_filename_appends_the_extension_within_the_cap():
    sanitized = sanitize_filename("c" * 300, extension=".pdf")

    assert sanitized == "c" * 251 + ".pdf"


def test_inspect_upload_caps_a_300_character_name():
    inspected = _inspect("d" * 296 + ".png", _image("PNG"))

    assert len(inspected.name) == 255
    assert inspected.name.endswith(".png")


def test_inspect_upload_drops_a_right_to_left_override_from_the_name():
    # Shown as "invoice‮gnp.exe" it would read "invoiceexe.png"; stripped it tells the truth.
    inspected = _inspect("invoice\u202egnp.exe", _image("PNG"))

    assert inspected.name == "invoicegnp.png"
    assert "\u202e" not in inspected.name


def test_inspect_upload_names_the_file_in_messages_by_its_cleaned_name():
    error = _refusal("../secret\u202e/..\x00/evil.svg", b"<svg/>")

    assert "“evil.svg”" in error.messages[0]


# --- Hash, reading, rewinding ------------------------------------------------------------------


def test_inspect_upload_sha256_and_size_match_hashlib():
    content = _image("PNG", size=(300, 200))

    inspected = _inspect("a.png", content)

    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert inspected.size == len(content)


def test_inspect_upload_reads_a_temporary_upload_in_chunks_and_rewinds_it():
    line = "Une ligne de texte, accentuée.\n".encode()
    content = line * (3 * 1024 * 1024 // len(line))
    upload = TemporaryUploadedFile("long.txt", "text/plain", len(content), "utf-8")
    upload.write(content)
    upload.seek(0)
    reads = []
    read = upload.file.read

    def recording_read(size=-1):
        reads.append(size)
        return read(size)

    upload.file.read = recording_read
    try:
        inspected = inspect_upload(upload, max_bytes=LIMIT)
        position = upload.tell()
    finally:
        upload.close()

    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert inspected.size == len(content)
    assert position == 0
    assert all(0 < size <= 64 * 1024 for size in reads), reads


def test_inspect_upload_rewinds_after_a_refusal():
    upload = _upload("page.txt", b"<html></html>")

    with pytest.raises(ValidationError):
        inspect_upload(upload, max_bytes=LIMIT)

    assert upload.tell() == 0


def test_inspect_upload_rewinds_an_image_after_pillow_read_it():
    upload = _upload("a.webp", _image("WEBP"))

    inspect_upload(upload, max_bytes=LIMIT)

    assert upload.tell() == 0
    assert upload.read(4) == b"RIFF"


# --- Storage names -----------------------------------------------------------------------------


def test_storage_name_is_random_and_keeps_only_the_real_extension():
    inspected = _inspect("../../my secret plan.jpg.php", _image("PNG"))

    first = storage_name("forums/attachments", inspected)
    second = storage_name("forums/attachments/", inspected)

    assert re.fullmatch(r"forums/attachments/[0-9a-f]{32}\.png", first)
    assert re.fullmatch(r"forums/attachments/[0-9a-f]{32}\.png", second)
    assert first != second
    assert "secret" not in first


# --- The pixel limit -----------------------------------------------------------------------------


def _count_decodes(monkeypatch) -> list[tuple[int, int]]:
    decodes: list[tuple[int, int]] = []
    load = Image.Image.load
    monkeypatch.setattr(
        Image.Image, "load", lambda image: decodes.append(image.size) or load(image)
    )
    return decodes


def test_inspect_upload_keeps_an_image_over_the_pixel_limit_without_decoding_it(monkeypatch):
    decodes = _count_decodes(monkeypatch)
    bomb = huge_png(13000, 13000)

    inspected = inspect_upload(SimpleUploadedFile("plan.png", bomb), max_bytes=LIMIT)

    assert (inspected.kind, inspected.content_type) == ("image", "image/png")
    assert inspected.too_many_pixels
    assert decodes == []


def test_inspect_upload_pixel_limit_is_the_setting(settings, monkeypatch):
    settings.COP_IMAGE_MAX_PIXELS = 40 * 30
    small, larger = _image("PNG"), _image("PNG", (41, 30))
    decodes = _count_decodes(monkeypatch)

    within = inspect_upload(SimpleUploadedFile("a.png", small), max_bytes=LIMIT)
    over = inspect_upload(SimpleUploadedFile("b.png", larger), max_bytes=LIMIT)

    assert not within.too_many_pixels and over.too_many_pixels
    assert (40, 30) in decodes and (41, 30) not in decodes


def test_inspect_upload_refuses_an_image_past_pillows_own_guard():
    with pytest.raises(ValidationError, match="more than 178 million pixels"):
        inspect_upload(SimpleUploadedFile("huge.png", huge_png(14000, 14000)), max_bytes=LIMIT)
