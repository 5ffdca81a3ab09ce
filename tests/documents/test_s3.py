"""The document library on object storage: django-storages' S3Storage against a local S3
endpoint (moto's ThreadedMotoServer, in this process, on 127.0.0.1).

Uploads land in the bucket under names the app makes; downloads are redirects to short-lived
presigned URLs that give back the exact bytes; strangers to a private community get 404 and no
URL; the trash purge removes the objects. Nothing here needs a service from outside Python, so
these tests run everywhere (no skip).
"""

import re
import urllib.request
import uuid
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from documents import services
from documents.models import Document, DocumentVersion
from documents.tasks import process_version
from tests.documents.conftest import png, uploaded

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
KEY = "testing"
EXPIRY = 300
# A local endpoint: never reached through a proxy the environment may name.
NO_PROXY = {}


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on a free port of 127.0.0.1, for the tests of this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint):
    """A boto3 client of the local endpoint, for the tests to look into the bucket."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, proxies=NO_PROXY),
    )


@pytest.fixture
def bucket(s3, s3_endpoint):
    """A fresh bucket, made Django's default storage for the test."""
    name = f"praxis-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": KEY,
                "secret_key": KEY,
                "signature_version": "s3v4",
                "addressing_style": "path",
                "querystring_auth": True,
                "querystring_expire": EXPIRY,
                "file_overwrite": False,
                "default_acl": None,
                "proxies": NO_PROXY,
            },
        },
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    with override_settings(STORAGES=storages):
        # Django resets default_storage when STORAGES changes (django.test.signals), and
        # FileFields use default_storage lazily: both follow the bucket.
        assert isinstance(default_storage, S3Storage)
        assert isinstance(DocumentVersion._meta.get_field("file").storage, S3Storage)
        yield name
    assert not isinstance(DocumentVersion._meta.get_field("file").storage, S3Storage)


def _keys(s3, bucket: str) -> set[str]:
    listing = s3.list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def _object(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _fetch(url: str):
    """GET a presigned URL as a browser would (straight to the endpoint, no proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read(), response.headers


def _presigned(response, s3_endpoint: str, bucket: str, key: str) -> dict:
    """Check a download answer is a redirect to a presigned URL of `key`; its query."""
    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == s3_endpoint
    assert parts.path == f"/{bucket}/{key}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Signature"][0]
    assert query["X-Amz-Expires"] == [str(EXPIRY)]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "response-content-disposition" in query
    # The presigned URL expires: the redirect must not be cached past it.
    assert response["Cache-Control"] == "private, no-store"
    return query


# --- (a) Uploads land in the bucket ----------------------------------------------------------


def test_upload_through_the_view_stores_the_object_in_the_bucket(
    cast, member_client, bucket, s3, django_capture_on_commit_callbacks
):
    content = png()
    url = reverse("document_upload", args=[cast.public.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, {"files": uploaded("Board.PNG", content)})

    assert response.status_code == 302
    document = Document.objects.get(community=cast.public)
    version = document.current_version
    prefix = f"documents/{cast.public.pk}/"
    assert re.fullmatch(rf"{prefix}[0-9a-f]{{32}}\.png", version.file.name)
    # The after-commit task read the image from the bucket and put its thumbnail there too.
    version.refresh_from_db()
    assert re.fullmatch(rf"{prefix}thumbs/[0-9a-f]{{32}}\.jpg", version.thumbnail.name)
    assert _keys(s3, bucket) == {version.file.name, version.thumbnail.name}
    assert _object(s3, bucket, version.file.name) == content
    assert _object(s3, bucket, version.thumbnail.name)[:3] == b"\xff\xd8\xff"


# --- (b) Downloads are presigned redirects, for those who may see the document --------------


def test_member_download_redirects_to_a_presigned_url_with_the_exact_bytes(
    cast, member_client, bucket, s3, s3_endpoint, make_document
):
    content = b"Observation notes, round one.\n" * 10
    document = make_document("notes.txt", content, community=cast.private)
    key = document.current_version.file.name
    assert _keys(s3, bucket) == {key}

    response = member_client.get(
        reverse("document_download", args=[cast.private.slug, document.pk])
    )

    query = _presigned(response, s3_endpoint, bucket, key)
    assert query["response-content-disposition"] == ['attachment; filename="notes.txt"']
    assert query["response-content-type"] == ["text/plain; charset=utf-8"]
    body, headers = _fetch(response["Location"])
    assert body == content
    assert headers["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_member_thumbnail_and_inline_preview_are_presigned(
    cast, member_client, bucket, s3, s3_endpoint, make_document
):
    content = png()
    document = make_document("board.png", content, community=cast.private)
    assert process_version(document.current_version_id)
    version = DocumentVersion.objects.get(pk=document.current_version_id)
    args = [cast.private.slug, document.pk]

    response = member_client.get(reverse("document_thumbnail", args=args))
    _presigned(response, s3_endpoint, bucket, version.thumbnail.name)
    thumbnail, _headers = _fetch(response["Location"])
    assert thumbnail == _object(s3, bucket, version.thumbnail.name)
    assert thumbnail[:3] == b"\xff\xd8\xff"

    response = member_client.get(reverse("document_download", args=args) + "?inline=1")
    query = _presigned(response, s3_endpoint, bucket, version.file.name)
    assert query["response-content-disposition"] == ['inline; filename="board.png"']
    assert _fetch(response["Location"])[0] == content


def test_pdf_pages_are_drawn_into_the_bucket_presigned_and_purged(
    cast, member_client, client_for, bucket, s3, s3_endpoint, make_document, a_pdf
):
    document = make_document("protocol.pdf", a_pdf, community=cast.private)
    assert process_version(document.current_version_id)
    version = DocumentVersion.objects.get(pk=document.current_version_id)
    [page] = version.preview_pages
    assert re.fullmatch(rf"documents/{cast.private.pk}/pages/[0-9a-f]{{32}}\.webp", page)
    assert _keys(s3, bucket) == {version.file.name, version.thumbnail.name, page}

    url = reverse("document_page", args=[cast.private.slug, document.pk, 1])
    with mock.patch.object(S3Storage, "url", autospec=True, side_effect=S3Storage.url) as signer:
        for principal in ("anonymous", "outsider", "other_member"):
            assert client_for(principal).get(url).status_code == 404
    assert signer.call_count == 0

    response = member_client.get(url)

    query = _presigned(response, s3_endpoint, bucket, page)
    assert query["response-content-disposition"] == ['inline; filename="protocol-page-1.webp"']
    assert query["response-content-type"] == ["image/webp"]
    body, _headers = _fetch(response["Location"])
    assert body == _object(s3, bucket, page) and body[8:12] == b"WEBP"

    services.trash_document(document, actor=cast.member)
    Document.objects.filter(pk=document.pk).update(
        trashed_at=timezone.now() - timedelta(days=services.TRASH_DAYS + 1)
    )
    assert services.purge_trash() == 1
    assert _keys(s3, bucket) == set()


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
def test_strangers_to_a_private_community_get_404_and_no_presigned_url(
    cast, client_for, bucket, make_document, principal
):
    document = make_document("board.png", png(), community=cast.private)
    assert process_version(document.current_version_id)
    args = [cast.private.slug, document.pk]
    urls = [
        reverse("document_download", args=args),
        reverse("document_download", args=args) + "?inline=1",
        reverse("document_version_download", args=[*args, 1]),
        reverse("document_thumbnail", args=args),
    ]
    client = client_for(principal)
    with mock.patch.object(S3Storage, "url", autospec=True, side_effect=S3Storage.url) as signer:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
            assert "Location" not in response, url
            assert b"X-Amz-" not in response.content, url
    assert signer.call_count == 0


def test_the_spy_on_presigning_sees_a_members_download(cast, client_for, bucket, make_document):
    """The test above would pass vacuously if the spy saw nothing: it sees a member's request."""
    document = make_document(community=cast.private)
    url = reverse("document_download", args=[cast.private.slug, document.pk])
    with mock.patch.object(S3Storage, "url", autospec=True, side_effect=S3Storage.url) as signer:
        assert client_for("member").get(url).status_code == 302
    assert signer.call_count == 1


# --- (c) Versions keep their own objects -----------------------------------------------------


def test_new_version_and_old_version_download_give_each_its_bytes(
    cast, member_client, bucket, s3, s3_endpoint, make_document
):
    first, second = b"Protocol, first draft.\n", b"Protocol, second draft, with pauses.\n"
    document = make_document("protocol.txt", first, community=cast.private)
    args = [cast.private.slug, document.pk]

    response = member_client.post(
        reverse("document_version_new", args=args),
        {"file": uploaded("protocol.txt", second), "note": "Added pauses"},
    )

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.version_count == 2
    v1, v2 = document.versions.get(number=1), document.versions.get(number=2)
    assert v1.file.name != v2.file.name
    assert _keys(s3, bucket) == {v1.file.name, v2.file.name}
    assert _object(s3, bucket, v2.file.name) == second

    current = member_client.get(reverse("document_download", args=args))
    _presigned(current, s3_endpoint, bucket, v2.file.name)
    assert _fetch(current["Location"])[0] == second
    older = member_client.get(reverse("document_version_download", args=[*args, 1]))
    _presigned(older, s3_endpoint, bucket, v1.file.name)
    assert _fetch(older["Location"])[0] == first


# --- (d) The purge empties the bucket of what it removes -------------------------------------


def test_purge_trash_removes_the_objects_from_the_bucket(cast, bucket, s3, make_document):
    document = make_document("board.png", png(), community=cast.private)
    assert process_version(document.current_version_id)
    services.add_version(
        document, upload=ContentFile(b"A note instead.\n", name="note.txt"), actor=cast.member
    )
    kept = make_document("kept.txt", b"Still in the library.\n", community=cast.private)
    names = set()
    for file_name, thumbnail in DocumentVersion.objects.filter(document=document).values_list(
        "file", "thumbnail"
    ):
        names.update(name for name in (file_name, thumbnail) if name)
    assert len(names) == 3  # two versions' files and the image's thumbnail
    kept_key = kept.current_version.file.name
    assert _keys(s3, bucket) == names | {kept_key}

    services.trash_document(document, actor=cast.member)
    assert services.purge_trash() == 0  # not yet: the trash keeps it for TRASH_DAYS
    assert _keys(s3, bucket) == names | {kept_key}
    Document.objects.filter(pk=document.pk).update(
        trashed_at=timezone.now() - timedelta(days=services.TRASH_DAYS + 1)
    )

    assert services.purge_trash() == 1

    assert not Document.objects.filter(pk=document.pk).exists()
    assert _keys(s3, bucket) == {kept_key}
