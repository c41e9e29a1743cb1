"""Whole-database backup and restore: pg_dump/pg_restore on PostgreSQL, the online backup
API on SQLite. Used by the backup_db and restore_db commands (make backup / make restore)."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

# First bytes of each format, so a restore refuses a file it cannot be.
PG_CUSTOM_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message is one line for the operator."""


def backup_extension(alias: str = "default") -> str:
    return "dump" if connections[alias].vendor == "postgresql" else "sqlite3"


def _pg_command(program: str, settings: dict) -> tuple[list[str], dict[str, str]]:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    args = [executable, "--no-password"]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        # The environment, not the command line, where `ps` would show it.
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, no shell
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit {completed.returncode}"
        raise BackupError(f"{Path(args[0]).name} failed: {detail}")


def backup_database(*, path: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the whole database to `path` (which must not exist).

    A path without a suffix gets the format's own (.dump or .sqlite3); returns the path used.
    """
    if not path.suffix:
        path = path.with_name(f"{path.name}.{backup_extension(alias)}")
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        args, env = _pg_command("pg_dump", settings)
        # -Fc: compressed, and pg_restore can drop and recreate each object from it.
        _run([*args, "--format=custom", "--file", str(path), settings["NAME"]], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            # Page by page while others may keep writing; the copy is of one moment.
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    return path


def restore_database(*, path: Path, alias: str = "default") -> None:
    """Replace the database's contents with the backup at `path`, all or nothing."""
    if not path.is_file():
        raise BackupError(f"{path} not found")
    with path.open("rb") as backup:
        head = backup.read(len(SQLITE_MAGIC))
    connection = connections[alias]
    if connection.vendor == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format file")
        # Our own idle connection would otherwise hold locks on tables being dropped.
        connection.close()
        settings = connection.settings_dict
        args, env = _pg_command("pg_restore", settings)
        _run(
            [
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                settings["NAME"],
                str(path),
            ],
            env,
        )
    elif connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite database")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.ensure_connection()
        try:
            # The backup API replaces every page of the target in one step.
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"no restore method for {connection.vendor}")
