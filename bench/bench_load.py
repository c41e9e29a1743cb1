"""Food file load time: a fresh load of the shipped foods.jsonl and a no-op reload.

Runs against a throw-away test database (test_<name>, created and destroyed here) on the
server DATABASE_URL names, so the dev database is never emptied:

    .venv/bin/python bench/bench_load.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mgplanner .venv/bin/python bench/bench_load.py

Prints seconds for: fresh load (empty tables), skipped reload (same sha256), forced reload
(every food compared, nothing written). Target (issue 3): full load under 30 s.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgplanner.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from foods.models import Food  # noqa: E402
from foods.services import SHIPPED_FILE, food_data_load  # noqa: E402

TARGET_SECONDS = 30.0


def timed(label: str, **kwargs: object) -> float:
    start = time.perf_counter()
    result = food_data_load(path=SHIPPED_FILE, **kwargs)
    seconds = time.perf_counter() - start
    print(
        f"{label:<16} {seconds:6.2f} s  created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, skipped {result.skipped}"
    )
    return seconds


def main() -> int:
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, not the test runner's in-memory default: the figure should include disk.
        path = Path(tempfile.gettempdir()) / "mgplanner_bench_load.sqlite3"
        connection.settings_dict["TEST"]["NAME"] = str(path)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        fresh = timed("fresh load")
        timed("skipped reload")
        timed("forced reload", force=True)
        foods = Food.objects.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"foods: {foods}; target fresh load < {TARGET_SECONDS:.0f} s")
    return 0 if fresh < TARGET_SECONDS and foods == 8789 else 1


if __name__ == "__main__":
    sys.exit(main())
