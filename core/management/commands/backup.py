"""manage.py backup: dump the database and archive the uploads, with one timestamp."""

from pathlib import Path

from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup import STAMP_FORMAT, backup_names, backups_in, location_of


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files to COP_BACKUP_DIR (or the "
        "COP_BACKUP_S3_BUCKET bucket): two gzipped files named praxis-<UTC time>-db… and …-media."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="dump the database only (when the uploads are kept by a versioned bucket)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="then delete all but the N newest backups (default: keep every backup)",
        )

    def handle(self, *args, no_media: bool, keep: int | None, verbosity: int, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        storage = get_storage().storage
        stamp = timezone.now().strftime(STAMP_FORMAT)
        database_name, media_name = backup_names(stamp, get_connector().extension)
        if storage.exists(database_name) or storage.exists(media_name):
            raise CommandError(f"A backup named {stamp} exists already; try again in a second.")
        # dbbackup's own progress lines only from -v 2 up.
        quiet = {"verbosity": max(verbosity - 1, 0), "interactive": False}
        # The dump first, then the uploads: a file added in between is only an unused extra in
        # the archive, where the other order would leave rows naming files the archive lacks.
        call_command("dbbackup", output_filename=database_name, compress=True, **quiet)
        made = [database_name]
        if not no_media:
            uploads = storages["default"]
            if isinstance(uploads, FileSystemStorage):
                # Before the first upload there is no folder, and dbbackup fails to list it.
                Path(uploads.location).mkdir(parents=True, exist_ok=True)
            call_command("mediabackup", output_filename=media_name, compress=True, **quiet)
            made.append(media_name)
        if keep is not None:
            for old in backups_in(storage)[keep:]:
                for name in (old.database, f"{old.database}.metadata", old.media):
                    if name and storage.exists(name):
                        storage.delete(name)
        if verbosity:
            self.stdout.write(f"Backed up to {location_of(storage)}")
            for name in made:
                self.stdout.write(f"  {name}")
