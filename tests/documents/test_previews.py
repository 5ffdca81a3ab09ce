"""Previews made on the server (documents.previews): the first pages of a PDF drawn as images,
bounded whatever size a page declares; nothing for an encrypted or damaged PDF; thumbnails that
never decode an image over the pixel limit, checked on the memory of a separate process."""

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject

from documents import previews, services
from documents.demo import pdf_bytes
from documents.models import DocumentVersion
from documents.previews import PAGE_BOX, PREVIEW_PAGES, page_scale, thumbnail_jpeg
from documents.tasks import process_version
from tests.conftest import require
from tests.documents.conftest import png
from tests.factories import huge_png as gray_png

pytestmark = pytest.mark.django_db

HUGE_SIDE = 13_000  # 169 million pixels: over COP_IMAGE_MAX_PIXELS, 161 MB once decoded
# What a thumbnail of the huge PNG may add to a process's peak memory: decoding would add 161 MB.
MEMORY_BOUND_KB = 150 * 1024
# The peak is read from /proc (VmHWM), not from getrusage's ru_maxrss: Linux carries a process's
# ru_maxrss over fork and exec, so the child would start at the test process's own peak (hundreds
# of megabytes) and a decode would go unseen. VmHWM belongs to the new address space.
MEASURE_THUMBNAIL = """
import json, re, sys
import django
django.setup()
from documents.previews import thumbnail_jpeg

def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"^VmHWM:\\s+(\\d+) kB", status.read(), re.M).group(1))

before = peak_kb()
with open(sys.argv[1], "rb") as source:
    jpeg = thumbnail_jpeg(source)
print(json.dumps({"growth_kb": peak_kb() - before, "jpeg": jpeg is not None}))
"""


@pytest.fixture(scope="session")
def huge_png() -> bytes:
    return gray_png(HUGE_SIDE, HUGE_SIDE)


def _pdf(pages: int = 1, *, size=(612, 792)) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pages_of(text_pages: list[str]) -> bytes:
    """A PDF with one page per text (each from documents.demo.pdf_bytes)."""
    writer = PdfWriter()
    for text in text_pages:
        writer.append(PdfReader(io.BytesIO(pdf_bytes(text, [text]))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _processed(community, actor, name: str, content: bytes) -> DocumentVersion:
    version = services.upload_document(
        community, upload=ContentFile(content, name=name), actor=actor
    ).version
    assert process_version(version.pk) is True
    version.refresh_from_db()
    return version


def _image(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def _stored(settings, community, folder: str) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    path = root / "documents" / str(community.pk) / folder
    return sorted(str(item.relative_to(root)) for item in path.iterdir()) if path.exists() else []


# --- PDF pages -------------------------------------------------------------------------------


def test_previews_process_version_draws_the_pages_of_a_pdf(cast, a_pdf, settings):
    version = _processed(cast.public, cast.member, "protocol.pdf", a_pdf)

    assert version.page_count == 1
    [page] = version.preview_pages
    assert page.startswith(f"documents/{cast.public.pk}/pages/") and page.endswith(".webp")
    assert _stored(settings, cast.public, "pages") == [page]
    image = _image(page)
    assert (image.format, image.size) == ("WEBP", (1000, 1295))  # a letter page, 1000 wide
    # Black text on white: the page was drawn, not left blank.
    assert image.convert("L").getextrema() == (0, 255)
    # The first page is also the thumbnail of the grid view.
    thumbnail = _image(version.thumbnail.name)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (371, 480))
    # The text is read for search, as before.
    assert "Notice what pupils say." in version.text


def test_previews_process_version_draws_the_first_pages_of_a_long_pdf(cast):
    texts = [f"Page {number}" for number in range(1, PREVIEW_PAGES + 3)]
    version = _processed(cast.public, cast.member, "long.pdf", _pages_of(texts))

    assert version.page_count == PREVIEW_PAGES + 2 == 7
    assert len(version.preview_pages) == PREVIEW_PAGES == 5
    assert len(set(version.preview_pages)) == 5


@pytest.mark.parametrize(
    ("size", "drawn"),
    [
        ((612, 792), (1000, 1295)),
        ((792, 612), (1000, 773)),
        ((10_000_000, 10_000_000), (1000, 1000)),  # a page as large as a country
        ((200_000, 300), (1000, 2)),
        ((5, 20_000), (1, 2000)),
        ((0.5, 0.5), (1000, 1000)),
    ],
)
def test_previews_render_pdf_pages_stays_within_the_box(size, drawn):
    count, [image] = previews.render_pdf_pages(_pdf(size=size))

    assert count == 1
    assert image.size == drawn
    assert image.width <= PAGE_BOX[0] and image.height <= PAGE_BOX[1]


def test_previews_render_pdf_pages_turns_a_rotated_page():
    writer = PdfWriter()
    writer.add_blank_page(612, 792)[NameObject("/Rotate")] = NumberObject(90)
    out = io.BytesIO()
    writer.write(out)

    _count, [image] = previews.render_pdf_pages(out.getvalue())

    assert image.size == (1000, 773)


def test_previews_render_pdf_pages_refuses_a_bitmap_past_the_box(monkeypatch):
    """Should the scale ever be wrong, no bitmap larger than the box is allocated."""
    monkeypatch.setattr(previews, "page_scale", lambda width, height: 100.0)  # 61200 × 79200

    with pytest.raises(ValueError, match="a page bitmap of 61200 × 79200"):
        previews.render_pdf_pages(_pdf())


@pytest.mark.parametrize("width", [595.276, 841.89, 612, 1e-5, 14400])
def test_previews_page_scale_never_rounds_past_the_box(width):
    assert math.ceil(width * page_scale(width, 1)) <= PAGE_BOX[0]


@pytest.mark.parametrize("size", [(0, 792), (612, -1), (float("nan"), 792), (float("inf"), 1)])
def test_previews_page_scale_refuses_a_page_without_a_size(size):
    with pytest.raises(ValueError):
        page_scale(*size)


def _encrypted(content: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _damaged(content: bytes) -> bytes:
    # The header and the start survive (the upload check passes), the rest is noise.
    return content[:200] + b"\x00garbage" * 50


@pytest.mark.parametrize("spoil", [_encrypted, _damaged])
def test_previews_process_version_of_an_unreadable_pdf_makes_no_pages(
    cast, a_pdf, settings, caplog, member_client, spoil
):
    content = spoil(a_pdf)
    version = _processed(cast.public, cast.member, "locked.pdf", content)

    assert version.processed_at is not None
    assert (version.page_count, version.preview_pages, version.thumbnail.name) == (None, [], "")
    assert _stored(settings, cast.public, "pages") == []
    assert _stored(settings, cast.public, "thumbs") == []
    assert any("Could not draw the pages" in record.getMessage() for record in caplog.records)
    # The file itself is still there to download.
    response = member_client.get(f"/c/open-practice/documents/{version.document_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content


def test_previews_process_version_losing_the_race_drops_its_pages(
    cast, a_pdf, settings, monkeypatch
):
    version = services.upload_document(
        cast.public, upload=ContentFile(a_pdf, name="protocol.pdf"), actor=cast.member
    ).version
    make = previews.make_previews

    def make_then_lose(item):
        made = make(item)
        assert made.preview_pages and made.thumbnail
        DocumentVersion.objects.filter(pk=item.pk).update(processed_at=item.created_at)
        return made

    monkeypatch.setattr(previews, "make_previews", make_then_lose)

    assert process_version(version.pk) is False

    version.refresh_from_db()
    assert (version.page_count, version.preview_pages) == (None, [])
    assert _stored(settings, cast.public, "pages") == []
    assert _stored(settings, cast.public, "thumbs") == []


def test_previews_restore_version_shares_the_pages_and_purge_deletes_them_once(
    cast, a_pdf, settings
):
    first = _processed(cast.public, cast.member, "protocol.pdf", a_pdf)
    document = first.document
    second = services.add_version(
        document,
        upload=ContentFile(_pages_of(["One", "Two"]), name="protocol.pdf"),
        actor=cast.member,
    ).version
    assert process_version(second.pk) is True

    restored = services.restore_version(document, first, actor=cast.member)

    assert (restored.page_count, restored.preview_pages) == (1, first.preview_pages)
    assert len(_stored(settings, cast.public, "pages")) == 3
    services.trash_document(document, actor=cast.member)
    document.refresh_from_db()
    assert services.purge_trash(now=document.trashed_at.replace(year=3000)) == 1
    assert _stored(settings, cast.public, "pages") == []
    assert _stored(settings, cast.public, "thumbs") == []


# --- Images over the pixel limit -------------------------------------------------------------


def test_previews_thumbnail_jpeg_of_an_image_within_the_limit():
    jpeg = thumbnail_jpeg(io.BytesIO(png(size=(1200, 800))))

    assert jpeg is not None
    assert Image.open(io.BytesIO(jpeg)).size == (480, 320)


def test_previews_thumbnail_jpeg_never_decodes_an_image_over_the_limit(settings, monkeypatch):
    settings.COP_IMAGE_MAX_PIXELS = 1200 * 800 - 1
    over, within = png(size=(1200, 800)), png(size=(800, 600))
    loaded: list[tuple] = []
    load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda image: loaded.append(image.size) or load(image))

    assert thumbnail_jpeg(io.BytesIO(over)) is None
    assert loaded == []
    assert thumbnail_jpeg(io.BytesIO(within)) is not None
    assert (800, 600) in loaded  # the spy does see a decode


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_previews_an_image_over_the_limit_is_kept_without_thumbnail(
    cast, huge_png, member_client, settings
):
    assert len(huge_png) < 1024 * 1024

    version = _processed(cast.public, cast.member, "huge.png", huge_png)

    assert version.kind == "image"
    assert version.processed_at is not None and not version.thumbnail
    assert _stored(settings, cast.public, "thumbs") == []
    url = f"/c/open-practice/documents/{version.document_id}/"
    download = member_client.get(url + "download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == huge_png
    assert member_client.get(url + "thumbnail/").status_code == 404
    # Members' browsers are not asked to decode it either.
    page = member_client.get(url).content.decode()
    assert "download/?inline=1" not in page
    assert "No preview for “huge.png”" in page


def _thumbnail_in_a_process(path: Path, data_dir: Path) -> dict:
    """Run thumbnail_jpeg on a file in a fresh interpreter: (peak memory growth, made a JPEG)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "cop.settings",
        "COP_DATA_DIR": str(data_dir),
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_THUMBNAIL, str(path)],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_previews_thumbnail_of_an_image_over_the_limit_takes_little_memory(huge_png, tmp_path):
    require(Path("/proc/self/status").exists(), "Linux's /proc (to read a process's peak memory)")
    huge = tmp_path / "huge.png"
    huge.write_bytes(huge_png)
    # The control: a 6000 × 6000 image (36 MB decoded) is within the limit, so it is decoded,
    # and the measure sees it.
    within = tmp_path / "within.png"
    within.write_bytes(gray_png(6000, 6000))

    over_limit = _thumbnail_in_a_process(huge, tmp_path / "data")
    control = _thumbnail_in_a_process(within, tmp_path / "data")

    assert over_limit["jpeg"] is False
    assert over_limit["growth_kb"] < MEMORY_BOUND_KB, over_limit
    assert control["jpeg"] is True
    assert control["growth_kb"] > 30 * 1024, control
