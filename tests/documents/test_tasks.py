"""Background work of the library: thumbnails of images, pages and text of PDFs, text of text
files, once (the previews themselves are tested in test_previews.py)."""

import io
from pathlib import Path

import pytest
from celery.signals import after_task_publish
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from documents import previews, services
from documents.models import Document, DocumentVersion
from documents.previews import THUMBNAIL_BOX
from documents.tasks import process_version, purge_trash
from tests.conftest import require
from tests.documents.conftest import png

pytestmark = pytest.mark.django_db


def _version(community, actor, name: str, content: bytes) -> DocumentVersion:
    result = services.upload_document(
        community, upload=ContentFile(content, name=name), actor=actor
    )
    return result.version


def _thumbnails(settings, community) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "documents" / str(community.pk) / "thumbs"
    return sorted(folder.iterdir()) if folder.exists() else []


def _image_of(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_tasks_process_version_makes_a_jpeg_thumbnail_within_480_pixels(cast, settings):
    version = _version(cast.public, cast.member, "wall.png", png(size=(1200, 800)))
    assert version.processed_at is None and not version.thumbnail

    assert process_version(version.pk) is True

    version.refresh_from_db()
    assert version.processed_at is not None
    assert version.text == ""
    assert version.thumbnail.name.startswith(f"documents/{cast.public.pk}/thumbs/")
    thumbnail = _image_of(version.thumbnail.name)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (480, 320)
    assert max(thumbnail.size) <= max(THUMBNAIL_BOX) == 480
    assert _thumbnails(settings, cast.public) == [
        Path(settings.MEDIA_ROOT) / version.thumbnail.name
    ]
    # The original is kept untouched beside it.
    with version.file.open("rb") as original:
        assert Image.open(original).size == (1200, 800)


def test_tasks_process_version_thumbnail_of_a_tall_transparent_image(cast):
    out = io.BytesIO()
    Image.new("RGBA", (300, 1500), (10, 200, 10, 0)).save(out, "PNG")
    version = _version(cast.public, cast.member, "tall.png", out.getvalue())

    assert process_version(version.pk) is True

    version.refresh_from_db()
    thumbnail = _image_of(version.thumbnail.name)
    assert (thumbnail.format, thumbnail.mode, thumbnail.size) == ("JPEG", "RGB", (96, 480))
    # Transparency becomes white, not black.
    assert min(thumbnail.getpixel((48, 240))) > 240


def test_tasks_process_version_leaves_a_small_image_its_size(cast):
    version = _version(cast.public, cast.member, "icon.png", png(size=(64, 48)))

    process_version(version.pk)

    version.refresh_from_db()
    assert _image_of(version.thumbnail.name).size == (64, 48)


def test_tasks_process_version_reads_the_text_of_a_pdf(cast, a_pdf, settings):
    version = _version(cast.public, cast.member, "protocol.pdf", a_pdf)

    assert process_version(version.pk) is True

    version.refresh_from_db()
    assert "Observation protocol" in version.text
    assert "Notice what pupils say." in version.text
    assert "Then discuss." in version.text
    assert version.processed_at is not None
    # Its first page, drawn on the server, is its thumbnail.
    assert _thumbnails(settings, cast.public) == [
        Path(settings.MEDIA_ROOT) / version.thumbnail.name
    ]
    assert version.page_count == 1 and len(version.preview_pages) == 1


def test_tasks_process_version_leaves_a_large_pdf_unread(cast, a_pdf, monkeypatch):
    """Reading is kept cheap: a PDF past PDF_TEXT_MAX_BYTES (scans, mostly) is neither parsed
    nor drawn."""
    monkeypatch.setattr(previews, "PDF_TEXT_MAX_BYTES", len(a_pdf) - 1)
    version = _version(cast.public, cast.member, "protocol.pdf", a_pdf)

    assert process_version(version.pk) is True

    version.refresh_from_db()
    assert version.text == ""
    assert (version.page_count, version.preview_pages, version.thumbnail.name) == (None, [], "")
    assert version.processed_at is not None


def test_tasks_process_version_reads_a_text_file(cast):
    content = "Warm-up problems\n\n1. How many squares on a chessboard? — café\n".encode()
    version = _version(cast.public, cast.member, "warm-up.md", content)

    assert process_version(version.pk) is True

    version.refresh_from_db()
    assert version.text == content.decode()
    assert not version.thumbnail


def test_tasks_process_version_runs_once(cast, settings, monkeypatch):
    version = _version(cast.public, cast.member, "wall.png", png(size=(900, 600)))
    assert process_version(version.pk) is True
    version.refresh_from_db()
    first = (version.thumbnail.name, version.processed_at)

    opened: list[int] = []
    monkeypatch.setattr(
        previews, "make_previews", lambda item: opened.append(item.pk) or previews.Previews()
    )

    assert process_version(version.pk) is False

    assert opened == []  # a processed version is not even opened again
    version.refresh_from_db()
    assert (version.thumbnail.name, version.processed_at) == first
    assert len(_thumbnails(settings, cast.public)) == 1


def test_tasks_process_version_losing_the_race_drops_its_thumbnail(cast, settings, monkeypatch):
    # Another run claims the version while this one is making its thumbnail.
    version = _version(cast.public, cast.member, "wall.png", png(size=(900, 600)))
    make = previews.make_previews

    def make_then_lose(item):
        made = make(item)
        assert made.thumbnail
        DocumentVersion.objects.filter(pk=item.pk).update(
            thumbnail="documents/other-run.jpg", processed_at=item.created_at
        )
        return made

    monkeypatch.setattr(previews, "make_previews", make_then_lose)

    assert process_version(version.pk) is False

    version.refresh_from_db()
    assert version.thumbnail.name == "documents/other-run.jpg"
    assert _thumbnails(settings, cast.public) == []


def test_tasks_process_version_of_a_damaged_image_marks_it_processed_without_thumbnail(
    cast, settings
):
    version = _version(cast.public, cast.member, "wall.png", png(size=(900, 600)))
    # Damaged in storage after it was checked: the header survives, the data does not.
    path = Path(settings.MEDIA_ROOT) / version.file.name
    path.write_bytes(path.read_bytes()[:60] + b"\x00" * 200)

    assert process_version(version.pk) is True

    version.refresh_from_db()
    assert version.processed_at is not None
    assert not version.thumbnail
    assert _thumbnails(settings, cast.public) == []
    assert process_version(version.pk) is False


def test_tasks_process_version_tolerates_a_deleted_version(cast):
    version = _version(cast.public, cast.member, "notes.txt", b"Notes.\n")
    Document.objects.filter(pk=version.document_id).update(current_version=None)
    version.delete()

    assert process_version(version.pk) is False


def test_tasks_upload_queues_the_processing_after_commit(
    cast, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = _version(cast.public, cast.member, "wall.png", png(size=(640, 480)))
        # Nothing runs before the upload's transaction commits.
        assert DocumentVersion.objects.get(pk=version.pk).processed_at is None

    assert len(callbacks) == 1
    version.refresh_from_db()
    assert version.processed_at is not None
    assert _image_of(version.thumbnail.name).size == (480, 360)


def test_tasks_purge_trash_purges_through_the_service(cast, settings):
    version = _version(cast.public, cast.member, "notes.txt", b"Notes.\n")
    Document.objects.update(trashed_at=version.created_at.replace(year=2000))

    assert purge_trash() == 1

    assert not Document.objects.exists()
    assert not default_storage.exists(version.file.name)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_tasks_process_version_through_a_real_worker(celery_worker, cast, settings):
    require(celery_worker is not None, "a Celery worker (CELERY_BROKER_URL)")
    # The worker reads and writes files under its own data folder: share it for this test.
    settings.MEDIA_ROOT = celery_worker.data_dir / "media"
    published: list[str] = []

    def remember(sender=None, headers=None, **kwargs):
        if sender == process_version.name:
            published.append(headers["id"])

    after_task_publish.connect(remember, weak=False)
    try:
        # The upload commits, then queues the processing for the worker.
        version = _version(cast.public, cast.member, "wall.png", png(size=(1000, 500)))
    finally:
        after_task_publish.disconnect(remember)

    [task_id] = published
    assert process_version.AsyncResult(task_id).get(timeout=30) is True
    version.refresh_from_db()
    assert version.processed_at is not None
    assert version.thumbnail.name.startswith(f"documents/{cast.public.pk}/thumbs/")
    thumbnail = _image_of(version.thumbnail.name)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (480, 240))
