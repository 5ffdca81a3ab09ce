"""manage.py backup / restore: a real installation survives losing its database and its uploads.

Data is made through the services (a forum thread with replies, library documents), backed up,
destroyed (every table and the upload folder), restored, and checked row for row, file for file
and through the pages that show it. PostgreSQL runs in this process against the test database
(pg_dump / pg_restore); SQLite runs in child processes on a file database in WAL mode, as the
embedded mode keeps it, once with the folders and once with uploads and backups in S3 buckets (a
local endpoint: moto's server on 127.0.0.1).
"""

import json
import os
import posixpath
import shutil
import subprocess
import sys
import urllib.request
import uuid
from datetime import UTC, datetime
from hashlib import sha256
from io import StringIO
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from accounts.models import User
from communities.models import Community, Membership
from documents.models import Document
from documents.services import upload_document
from forums.models import Post
from tests.conftest import require
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.forums.factories import add_replies, forum_in, png_bytes, start_thread

pytestmark = [pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTES = b"Lesson notes: start from a puzzle, then name the idea.\n"
REPLY = "Reply 2: the puzzle worked"


def build_installation() -> dict:
    """A community with a thread, its replies and two library documents, made by the services."""
    community = CommunityFactory()
    member = UserFactory(display_name="Mateo Member")
    other = UserFactory(display_name="Otto Other")
    MembershipFactory(community=community, user=member, role=Membership.Role.ORGANIZER)
    MembershipFactory(community=community, user=other)
    forum = forum_in(community, name="Lesson studies", slug="lesson-studies")
    thread = start_thread(forum, member, title="How do you open a lesson?")
    add_replies(thread, [other, member], 3, body="Reply {number}: the puzzle worked")
    notes = upload_document(community, upload=ContentFile(NOTES, name="notes.txt"), actor=member)
    # An image too: its thumbnail is a second file in another folder of the uploads.
    upload_document(community, upload=ContentFile(png_bytes(), name="board.png"), actor=other)
    return {
        "member": member.pk,
        "thread_url": thread.get_absolute_url(),
        "download_url": reverse("document_download", args=[community.slug, notes.document.pk]),
    }


def snapshot() -> dict:
    """The row count of every table and the checksum of every uploaded file."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # Table names come from the database's own catalogue.
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = cursor.fetchone()[0]
    # Read through the storage, so the upload folder (MEDIA_ROOT) and a bucket are walked alike.
    uploads, files, folders = storages["default"], {}, [""]
    while folders:
        folder = folders.pop()
        subfolders, names = uploads.listdir(folder)
        folders += [posixpath.join(folder, subfolder) for subfolder in subfolders]
        for name in names:
            with uploads.open(posixpath.join(folder, name)) as file:
                files[posixpath.join(folder, name)] = sha256(file.read()).hexdigest()
    return {"rows": rows, "files": dict(sorted(files.items()))}


def visit(facts: dict) -> dict:
    """What the member gets from the thread page and the document download."""
    client = Client()
    client.force_login(User.objects.get(pk=facts["member"]))
    thread = client.get(facts["thread_url"])
    download = client.get(facts["download_url"])
    if download.status_code == 302:
        # Object storage: the app answers with a presigned URL, fetched as a browser would.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(download["Location"], timeout=10) as response:
            body = response.read()
    else:
        body = b"".join(download.streaming_content) if download.streaming else download.content
    return {
        "thread": thread.status_code,
        "reply_shown": REPLY in thread.content.decode(),
        "download": download.status_code,
        "download_is_the_original": body == NOTES,
    }


def _assert_meaningful(before: dict) -> None:
    """The snapshot holds what the test built, so equal snapshots prove something."""
    assert before["rows"][Post._meta.db_table] == 4
    assert before["rows"][Document._meta.db_table] == 2
    assert before["rows"]["django_migrations"] > 0
    assert sha256(NOTES).hexdigest() in before["files"].values()
    assert len(before["files"]) >= 3


SERVED = {"thread": 200, "reply_shown": True, "download": 200, "download_is_the_original": True}


def test_backup_round_trip_on_postgresql(settings, tmp_path):
    """In this process, on the test database: pg_dump's custom format, then pg_restore."""
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump and pg_restore")
    settings.COP_BACKUP_DIR = tmp_path / "backups"
    facts = build_installation()
    before = snapshot()
    _assert_meaningful(before)

    out = StringIO()
    call_command("backup", stdout=out)

    made = sorted(path.name for path in (tmp_path / "backups").iterdir())
    database, media = (name for name in made if not name.endswith(".metadata"))
    assert database.endswith("-db.psql.bin.gz") and media.endswith("-media.tar.gz")
    assert database.removesuffix("-db.psql.bin.gz") == media.removesuffix("-media.tar.gz")
    assert f"  {database}\n" in out.getvalue() and f"  {media}\n" in out.getvalue()

    # Lose everything: the whole schema of the test database, and the upload folder.
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    assert connection.introspection.table_names() == []
    shutil.rmtree(settings.MEDIA_ROOT)

    call_command("restore", "--no-input", stdout=StringIO())

    assert snapshot() == before
    assert visit(facts) == SERVED


def test_backup_keeps_the_newest_and_restore_lists_and_finds_them_by_time(
    settings, tmp_path, monkeypatch
):
    settings.COP_BACKUP_DIR = tmp_path / "backups"
    times = [datetime(2025, 3, 1, 2, minute, tzinfo=UTC) for minute in (0, 1, 2, 2)]
    monkeypatch.setattr("core.management.commands.backup.timezone.now", lambda: times.pop(0))
    for _ in range(3):
        call_command("backup", "--keep", "2", stdout=StringIO())

    with pytest.raises(CommandError, match="A backup named 2025-03-01-020200 exists already"):
        call_command("backup", stdout=StringIO())
    listing = StringIO()
    call_command("restore", "--list", stdout=listing)
    assert "2025-03-01-020200" in listing.getvalue()
    assert "2025-03-01-020100" in listing.getvalue()
    assert "2025-03-01-020000" not in listing.getvalue()
    assert len(list((tmp_path / "backups").iterdir())) == 6
    with pytest.raises(CommandError, match="No backup 2025-03-01-020000"):
        call_command("restore", "2025-03-01-020000", "--no-input")
    with pytest.raises(CommandError, match="No backup yesterday"):
        call_command("restore", "yesterday", "--no-input")


def test_backup_without_media_restores_the_database_and_leaves_the_uploads(settings, tmp_path):
    settings.COP_BACKUP_DIR = tmp_path / "backups"
    kept = CommunityFactory()
    made = StringIO()
    call_command("backup", "--no-media", stdout=made)
    later = CommunityFactory()
    upload = Path(settings.MEDIA_ROOT) / "documents" / "later.txt"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"made after the backup")

    listing, restored = StringIO(), StringIO()
    call_command("restore", "--list", stdout=listing)
    call_command("restore", "--no-input", stdout=restored)

    assert "-db." in made.getvalue() and "-media" not in made.getvalue()
    assert "(database only)" in listing.getvalue()
    assert "the uploaded files are as they were" in restored.getvalue()
    assert Community.objects.filter(pk=kept.pk).exists()
    assert not Community.objects.filter(pk=later.pk).exists()
    assert upload.read_bytes() == b"made after the backup"


def test_restore_asks_before_replacing_anything(settings, tmp_path, monkeypatch):
    settings.COP_BACKUP_DIR = tmp_path / "backups"
    call_command("backup", stdout=StringIO())
    community = CommunityFactory()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    out = StringIO()
    call_command("restore", stdout=out)

    assert "Restore cancelled." in out.getvalue()
    assert Community.objects.filter(pk=community.pk).exists()


def test_restore_without_a_backup_says_where_it_looked(settings, tmp_path):
    settings.COP_BACKUP_DIR = tmp_path / "nothing-here"

    with pytest.raises(CommandError, match=f"No backup in {tmp_path}/nothing-here"):
        call_command("restore", "--no-input")


def _manage(data_dir: Path, *args: str, **extra_env: str) -> str:
    """Run manage.py in a child process on its own SQLite database under `data_dir`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COP_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_URL"))
    }
    env.update(
        COP_DATA_DIR=str(data_dir),
        COP_BACKUP_DIR=str(data_dir.parent / "backups"),
        COP_ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(REPO_ROOT),
        # The local S3 endpoint is never reached through a proxy the environment may name.
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        **extra_env,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# What the child processes run: this module's own helpers, so every case checks the same.
BUILD_AND_BACK_UP = """
import json
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.core.test_backup import build_installation, snapshot
facts = build_installation()
before = snapshot()
call_command("backup")
print(json.dumps({"facts": facts, "before": before}))
"""
CHECK = """
import json, os
from tests.core.test_backup import snapshot, visit
print(json.dumps({"after": snapshot(), "visit": visit(json.loads(os.environ["BACKUP_FACTS"]))}))
"""


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database file, made once for the cases of this module."""
    data = tmp_path_factory.mktemp("migrated") / "data"
    _manage(data, "migrate", "--no-input", "-v", "0")
    return data / "praxis.sqlite3"


def _sqlite_round_trip(migrated: Path, data: Path, lose_uploads, **env: str) -> tuple[dict, dict]:
    """Build, back up, lose the database and the uploads, restore: (before, after) in a child
    process each, as an operator would run them."""
    data.mkdir(parents=True)
    shutil.copyfile(migrated, data / "praxis.sqlite3")
    built = json.loads(_manage(data, "shell", "-c", BUILD_AND_BACK_UP, **env).splitlines()[-1])
    _assert_meaningful(built["before"])

    # Lose everything: the database with its WAL files, and the uploads.
    for path in data.glob("praxis.sqlite3*"):
        path.unlink()
    lose_uploads()

    restored = _manage(data, "restore", "--no-input", **env)
    assert "Restored the backup of" in restored

    facts = json.dumps(built["facts"])
    checked = json.loads(
        _manage(data, "shell", "-c", CHECK, BACKUP_FACTS=facts, **env).splitlines()[-1]
    )
    return built["before"], checked


def test_backup_round_trip_on_sqlite(tmp_path, migrated_sqlite):
    """The embedded mode: a SQLite file and the upload folder, backups in COP_BACKUP_DIR."""
    data = tmp_path / "data"

    before, checked = _sqlite_round_trip(
        migrated_sqlite, data, lambda: shutil.rmtree(data / "media")
    )

    assert checked["after"] == before
    assert checked["visit"] == SERVED
    kept = sorted(path.name for path in (tmp_path / "backups").iterdir())
    assert [name.rsplit("-", 1)[-1] for name in kept] == [
        "db.sqlite3.gz",
        "db.sqlite3.gz.metadata",
        "media.tar.gz",
    ]


@pytest.fixture
def s3_buckets():
    """A local S3 endpoint with two fresh buckets (uploads, backups) and a client to look in."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, proxies={}),
    )
    uploads, backups = (f"praxis-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("up", "bk"))
    for bucket in (uploads, backups):
        client.create_bucket(Bucket=bucket)
    try:
        yield endpoint, client, uploads, backups
    finally:
        server.stop()


def _keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_backup_round_trip_with_uploads_and_backups_in_s3_buckets(
    tmp_path, s3_buckets, migrated_sqlite
):
    """Production's object storage: the uploads' bucket is archived into the backups' bucket."""
    endpoint, client, uploads, backups = s3_buckets

    def lose_uploads() -> None:
        for key in _keys(client, uploads):
            client.delete_object(Bucket=uploads, Key=key)

    before, checked = _sqlite_round_trip(
        migrated_sqlite,
        tmp_path / "data",
        lose_uploads,
        COP_S3_BUCKET=uploads,
        COP_BACKUP_S3_BUCKET=backups,
        COP_S3_ENDPOINT_URL=endpoint,
        COP_S3_ACCESS_KEY_ID="testing",
        COP_S3_SECRET_ACCESS_KEY="testing",
    )

    assert checked["after"] == before
    # Object storage serves the download itself, through a presigned URL.
    assert checked["visit"] == {**SERVED, "download": 302}
    assert [key.rsplit("-", 1)[-1] for key in _keys(client, backups)] == [
        "db.sqlite3.gz",
        "db.sqlite3.gz.metadata",
        "media.tar.gz",
    ]
    assert not (tmp_path / "backups").exists()
