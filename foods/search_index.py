"""The full-text index behind food search: SQLite FTS5 or a PostgreSQL GIN index.

SQLite keeps an external-content FTS5 table in step with `foods_food` through triggers.
Django rebuilds a SQLite table to alter a column (new table, copy, drop, rename), which drops
its triggers, so `ensure_sqlite_index` runs after every `migrate` and restores them, rebuilding
the index when any was missing. PostgreSQL indexes an expression of the description, which
survives column changes; the search query repeats that expression so the planner uses it.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "foods_food_fts"

# Both indexes see the same words: accents folded, anything not a letter or digit a separator
# (so "70-85%" holds 70 and 85, as FTS5's unicode61 tokenizer splits it).
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ"
_PLAIN = "aaaaaaceeeeiiiinoooooouuuuyyAAAAAACEEEEIIIINOOOOOOUUUUY"
PG_VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    f"translate(\"foods_food\".\"description\", '{_ACCENTED}', '{_PLAIN}'), "
    "'[^[:alnum:]]+', ' ', 'g'))"
)
PG_INDEX = "foods_food_description_search"

_SQLITE_TRIGGERS = {
    "foods_food_fts_insert": """
        CREATE TRIGGER IF NOT EXISTS foods_food_fts_insert AFTER INSERT ON foods_food BEGIN
            INSERT INTO foods_food_fts(rowid, description) VALUES (new.id, new.description);
        END""",
    "foods_food_fts_delete": """
        CREATE TRIGGER IF NOT EXISTS foods_food_fts_delete AFTER DELETE ON foods_food BEGIN
            INSERT INTO foods_food_fts(foods_food_fts, rowid, description)
                VALUES ('delete', old.id, old.description);
        END""",
    "foods_food_fts_update": """
        CREATE TRIGGER IF NOT EXISTS foods_food_fts_update
        AFTER UPDATE OF description ON foods_food BEGIN
            INSERT INTO foods_food_fts(foods_food_fts, rowid, description)
                VALUES ('delete', old.id, old.description);
            INSERT INTO foods_food_fts(rowid, description) VALUES (new.id, new.description);
        END""",
}


def _sqlite_missing_triggers(cursor: Any) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    present = {row[0] for row in cursor.fetchall()}
    return set(_SQLITE_TRIGGERS) - present


def create(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS foods_food_fts USING fts5("
                "description, content='foods_food', content_rowid='id', "
                "tokenize='unicode61 remove_diacritics 2')"
            )
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            cursor.execute("INSERT INTO foods_food_fts(foods_food_fts) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            # fastupdate off: a bulk load goes straight into the index instead of a pending
            # list that every search scans until the next VACUUM (6 ms against 0.1 ms).
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON foods_food "
                f"USING gin ({PG_VECTOR_SQL}) WITH (fastupdate = off)"
            )


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS foods_food_fts")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")


def ensure_sqlite_index(connection: BaseDatabaseWrapper) -> bool:
    """Restore triggers a table rebuild dropped; True when the index had to be rebuilt."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        if cursor.fetchone() is None:
            # Migrations have not reached the search index yet.
            return False
        if not _sqlite_missing_triggers(cursor):
            return False
    create(connection)
    return True
