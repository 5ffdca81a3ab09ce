"""Library photos are kept without location and device metadata, pixels untouched."""

import hashlib
import io

import pytest
from PIL import Image

from documents.models import Document
from tests.documents.conftest import uploaded
from tests.factories import exif_of, photo_with_location

pytestmark = pytest.mark.django_db

UPLOAD = "/c/open-practice/documents/upload/"


def _served(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_image_metadata_library_photo_is_served_without_location(cast, member_client, client):
    photo = photo_with_location()

    response = member_client.post(UPLOAD, {"files": [uploaded("IMG_2041.jpg", photo)]})

    assert response.status_code == 302
    document = Document.objects.get()
    version = document.current_version
    for url in (
        f"/c/open-practice/documents/{document.pk}/download/",
        f"/c/open-practice/documents/{document.pk}/download/?inline=1",
        version.get_download_url(),
    ):
        body = _served(client, url)
        assert exif_of(body) == {}, url
        assert b"Pixelphone" not in body and b"SERIAL-31337" not in body
    with Image.open(io.BytesIO(body)) as kept, Image.open(io.BytesIO(photo)) as sent:
        assert kept.tobytes() == sent.tobytes()
    assert (version.size, document.size) == (len(body), len(body))
    assert version.sha256 == hashlib.sha256(body).hexdigest()


def test_image_metadata_a_new_version_is_stripped_too(cast, member_client, make_document):
    document = make_document("plan.jpg", photo_with_location(), actor=cast.member)
    assert exif_of(document.current_version.file.read()) == {}

    response = member_client.post(
        f"/c/open-practice/documents/{document.pk}/versions/new/",
        {"file": uploaded("plan.jpg", photo_with_location(orientation=6)), "note": "Rotated"},
    )

    assert response.status_code == 302
    document.refresh_from_db()
    stored = document.current_version.file.read()
    # The orientation is all that is left, so the photo still shows upright.
    assert exif_of(stored) == {0x0112: 6}


def test_image_metadata_upload_page_says_so(member_client):
    page = member_client.get("/c/open-practice/documents/").content.decode()

    assert "Location and camera details are removed from photos before they are stored." in page
