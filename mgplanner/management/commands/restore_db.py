from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mgplanner.backups import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Replace the database's contents with the backup at PATH (from backup_db), in one "
        "transaction on PostgreSQL (pg_restore --clean --single-transaction)."
    )

    # A backup or restore must work even when the code's own checks fail (a broken release).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        try:
            restore_database(path=options["path"])
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from None
        if options["verbosity"] > 0:
            self.stdout.write(f"restored from {options['path']}")
