"""manage.py restore: put back the database and the uploads of a backup (the newest by default)."""

from dbbackup.storage import get_storage
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.backup import Backup, backups_in, location_of, stamp_of


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from a backup made by `manage.py backup`: "
        "the newest one, or the one named (its time, e.g. 2025-03-01-020000, or a file's name). "
        "Stop the web, worker and beat processes first: this replaces their data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", nargs="?", help="the backup's time or one of its files")
        parser.add_argument(
            "--list", action="store_true", help="list the backups that can be restored, and stop"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, backup: str | None, interactive: bool, verbosity: int, **options):
        storage = get_storage().storage
        backups = backups_in(storage)
        if options["list"]:
            self._list(backups, location_of(storage))
            return
        chosen = self._choose(backups, backup, location_of(storage))
        replaced = "the database and the uploaded files" if chosen.media else "the database"
        if interactive:
            answer = input(
                f"This replaces {replaced} with the backup of {chosen.stamp} (UTC). "
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            if answer != "yes":
                self.stdout.write("Restore cancelled.")
                return
        # dbbackup's own progress lines only from -v 2 up; it asked nothing we did not ask.
        quiet = {"verbosity": max(verbosity - 1, 0), "interactive": False}
        call_command("dbrestore", input_filename=chosen.database, uncompress=True, **quiet)
        if chosen.media:
            # --replace: a file of the backup overwrites the file of the same name.
            call_command(
                "mediarestore", input_filename=chosen.media, uncompress=True, replace=True, **quiet
            )
        # Cached sessions, pages and counters describe the data that was just replaced.
        cache.clear()
        if verbosity:
            self.stdout.write(f"Restored the backup of {chosen.stamp} (UTC):")
            for name in (chosen.database, chosen.media):
                if name:
                    self.stdout.write(f"  {name}")
            if not chosen.media:
                self.stdout.write("It has no media archive: the uploaded files are as they were.")

    def _choose(self, backups: list[Backup], wanted: str | None, location: str) -> Backup:
        """The named backup, or the newest one with a database dump."""
        if wanted is not None:
            backups = [backup for backup in backups if backup.stamp == stamp_of(wanted)]
        for candidate in backups:
            if candidate.database:
                return candidate
        if wanted is None:
            raise CommandError(f"No backup in {location}.")
        raise CommandError(
            f"No backup {wanted} with a database dump in {location} "
            "(see `manage.py restore --list`)."
        )

    def _list(self, backups: list[Backup], location: str) -> None:
        """One line per backup, newest first."""
        self.stdout.write(f"Backups in {location} (newest first, times in UTC):")
        for backup in backups:
            files = "  ".join(name for name in (backup.database, backup.media) if name)
            note = ""
            if not backup.database:
                note = "  (no database dump: cannot be restored)"
            elif not backup.media:
                note = "  (database only)"
            self.stdout.write(f"  {backup.stamp}  {files}{note}")
        if not backups:
            self.stdout.write("  (none)")
