"""Benchmark of the document library: listing, filtering and search at scale, and upload speed.

    .venv/bin/python bench/library.py [--documents 3000]

Runs in a throw-away data folder (SQLite) unless DATABASE_URL is set (then on that database:
point it at a scratch one). Seeds the documents straight into the tables (as the upload service
would leave them), then times each page through Django's test client and prints the median
against its floor. Exits 1 when a floor is missed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Median milliseconds a page may take, and the upload speed it must reach (MB/s).
FLOORS_MS = {"library": 250, "library, filtered": 250, "library, grid": 250, "search": 400}
UPLOAD_FLOOR_MB_S = 20
RUNS = 15


def _setup(data_dir: str) -> None:
    os.environ.setdefault("COP_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(count: int):
    from django.utils import timezone

    from communities.models import Community, Membership
    from documents.models import Document, DocumentVersion, Folder, Tag
    from tests.factories import CommunityFactory, MembershipFactory, UserFactory

    community = CommunityFactory(slug="bench-library", visibility=Community.Visibility.PRIVATE)
    member = UserFactory(display_name="Bench Member", handle="bench")
    MembershipFactory(community=community, user=member, role=Membership.Role.FACILITATOR)
    folders = [
        Folder.objects.create(community=community, name=f"Folder {n}", created_by=member)
        for n in range(40)
    ]
    tags = [Tag.objects.create(community=community, name=f"tag {n}") for n in range(30)]
    now = timezone.now()
    documents = Document.objects.bulk_create(
        Document(
            community=community,
            folder=folders[n % len(folders)] if n % 10 else None,
            title=f"Lesson observation notes {n}",
            description=f"Notes from round {n} of the fractions lesson study.",
            kind="pdf" if n % 2 else "text",
            content_type="application/pdf" if n % 2 else "text/plain",
            size=1000 + n,
            version_count=1,
            uploaded_by=member,
            updated_at=now,
        )
        for n in range(count)
    )
    versions = DocumentVersion.objects.bulk_create(
        DocumentVersion(
            document=document,
            number=1,
            file=f"documents/{community.pk}/bench{document.pk}.pdf",
            name=f"notes-{document.pk}.pdf",
            size=document.size,
            content_type=document.content_type,
            kind=document.kind,
            sha256=f"{document.pk:064d}",
            uploaded_by=member,
            text="fractions equivalence number line observation",
            processed_at=now,
        )
        for document in documents
    )
    for document, version in zip(documents, versions, strict=True):
        document.current_version = version
    Document.objects.bulk_update(documents, ["current_version"])
    Document.tags.through.objects.bulk_create(
        Document.tags.through(document_id=document.pk, tag_id=tags[n % len(tags)].pk)
        for n, document in enumerate(documents)
    )
    from documents import services

    for document in Document.objects.filter(community=community).select_related("community"):
        services.reindex(document)
    return community, member


def _time(client, url: str) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def _upload_speed(client, community) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.demo import mp4_bytes

    # A video: stored and checked like any file, with no text to read afterwards.
    body = mp4_bytes("Bench", seconds=1) + os.urandom(30 * 1024 * 1024)
    upload = SimpleUploadedFile("big.mp4", body, content_type="video/mp4")
    start = time.perf_counter()
    from django.urls import reverse

    url = reverse("document_upload", args=[community.slug])
    response = client.post(url, {"files": [upload]})
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return len(body) / (1024 * 1024) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        _setup(data_dir)
        from django.test import Client
        from django.urls import reverse

        community, member = _seed(args.documents)
        client = Client(HTTP_HOST="localhost")
        client.force_login(member)
        base = reverse("documents", args=[community.slug])
        results = {
            "library": _time(client, base),
            "library, filtered": _time(client, base + "?tag=tag+3&sort=-size"),
            "library, grid": _time(client, base + "?kind=pdf&view=grid"),
            "search": _time(client, "/search/?q=fractions+observation&within=documents"),
        }
        speed = _upload_speed(client, community)
    failed = False
    print(f"Document library, {args.documents} documents, median of {RUNS} runs:")
    for name, median in results.items():
        floor = FLOORS_MS[name]
        ok = median <= floor
        failed |= not ok
        print(f"  {name:<20} {median:7.1f} ms  (floor {floor} ms, {floor / median:4.1f}×)")
    ok = speed >= UPLOAD_FLOOR_MB_S
    failed |= not ok
    print(f"  {'upload, 30 MB':<20} {speed:7.1f} MB/s (floor {UPLOAD_FLOOR_MB_S} MB/s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
