"""Fixtures of the document library tests: files to upload, and documents already shared."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import services
from documents.demo import mp4_bytes, pdf_bytes


def png(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def uploaded(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as a view receives it (the browser's content type is never trusted)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def make_document(cast):
    """Share a document through the service: make_document(name, content, actor=..., **fields)."""

    def make(name="notes.txt", content=b"Some notes about practice.\n", *, community=None,
             actor=None, folder=None, **fields):  # fmt: skip
        result = services.upload_document(
            community or cast.public,
            upload=ContentFile(content, name=name),
            actor=actor or cast.member,
            folder=folder,
            **fields,
        )
        return result.document

    return make


@pytest.fixture(scope="session")
def a_pdf() -> bytes:
    return pdf_bytes("Observation protocol", ["Notice what pupils say.", "Then discuss."])


@pytest.fixture(scope="session")
def an_mp4() -> bytes:
    return mp4_bytes("Test clip", seconds=2)
