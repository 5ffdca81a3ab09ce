"""Backups with django-dbbackup: where they are kept, how they are named, SQLite's restore.

A backup is two files with one timestamp (UTC): the database dump `praxis-<stamp>-db.<ext>.gz`
and the archive of the uploads `praxis-<stamp>-media.tar.gz` (left out by `backup --no-media`),
in dbbackup's storage (settings.STORAGES["dbbackup"]: the COP_BACKUP_DIR folder or the
COP_BACKUP_S3_BUCKET bucket).
"""

import os
import re
import sqlite3
from dataclasses import dataclass
from shutil import copyfileobj
from tempfile import NamedTemporaryFile

from dbbackup import settings as dbbackup_settings
from dbbackup.db.sqlite import SqliteBackupConnector
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage

# dbbackup's own default date format: its listing and "latest backup" rules parse it.
STAMP_FORMAT = "%Y-%m-%d-%H%M%S"
_NAME = re.compile(r"^praxis-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{6})-(?P<kind>db|media)\.")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}")


class BackupFolderStorage(FileSystemStorage):
    """The COP_BACKUP_DIR folder, readable by the owner only: a backup holds every account."""

    def __init__(self, **options) -> None:
        options.setdefault("location", settings.COP_BACKUP_DIR)
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**options)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """The folder's entries; none before the first backup made it."""
        if not os.path.isdir(self.path(path)):
            return [], []
        return super().listdir(path)


class SqliteConnector(SqliteBackupConnector):
    """dbbackup's SQLite connector (a copy made by SQLite's backup API), restoring the same way."""

    def restore_dump(self, dump) -> None:
        """Copy every page of the dump into the open database, under SQLite's own locks."""
        # The parent writes the dump over the database file: a process that still has it open
        # keeps a -wal file describing the old pages and corrupts the new ones, and an in-memory
        # database (the test suite's) is not a file at all.
        with NamedTemporaryFile(suffix=".sqlite3", dir=dbbackup_settings.TMP_DIR) as copy:
            copyfileobj(dump, copy)
            copy.flush()
            source = sqlite3.connect(copy.name)
            try:
                self.connection.ensure_connection()
                source.backup(self.connection.connection)
            finally:
                source.close()


@dataclass(frozen=True)
class Backup:
    """One backup: its timestamp and the names of its two files (None when one is missing)."""

    stamp: str
    database: str | None = None
    media: str | None = None


def backup_names(stamp: str, database_extension: str) -> tuple[str, str]:
    """The names of the database dump and of the uploads archive made at `stamp`."""
    return f"praxis-{stamp}-db.{database_extension}.gz", f"praxis-{stamp}-media.tar.gz"


def stamp_of(name: str) -> str | None:
    """The timestamp named by a backup's stamp or by the name of one of its files."""
    found = _STAMP.search(name)
    return found.group(0) if found else None


def backups_in(storage: Storage) -> list[Backup]:
    """The backups kept in `storage` (a Django storage), newest first."""
    files: dict[str, dict[str, str]] = {}
    for name in storage.listdir("")[1]:
        found = _NAME.match(os.path.basename(name))
        if found and not name.endswith(".metadata"):
            files.setdefault(found["stamp"], {})[found["kind"]] = name
    return [
        Backup(stamp, database=parts.get("db"), media=parts.get("media"))
        for stamp, parts in sorted(files.items(), reverse=True)
    ]


def location_of(storage: Storage) -> str:
    """Where `storage` keeps its files, for people: a folder or an s3:// address."""
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        prefix = getattr(storage, "location", "") or ""
        return f"s3://{bucket}/{prefix}".rstrip("/") + "/"
    return str(getattr(storage, "location", storage))
