from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mgplanner.backups import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Back up the whole database to PATH: pg_dump custom format on PostgreSQL, "
        "SQLite's online backup otherwise. PATH must not exist yet."
    )

    # A backup or restore must work even when the code's own checks fail (a broken release).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        try:
            path = backup_database(path=options["path"])
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from None
        if options["verbosity"] > 0:
            self.stdout.write(f"backed up to {path} ({path.stat().st_size:,} bytes)")
