"""In-process timing of the day page and the HTMX add-item POST (no web server).

    .venv/bin/python bench/day_timing.py [--runs 100] [--profile day|add]

It uses DATABASE_URL (default: bench_web.py's database, which must be migrated and hold
the foods: `manage.py load_foods`), seeds the same person and 30-item days as bench_web.py,
then times requests through Django's test client: the median wall time and, in brackets,
the median CPU time of this process, which other load on the machine hardly changes.
`--profile` prints cProfile's top functions for 20 requests. Items it adds are deleted
afterwards.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def timed(function: Callable[[], object], runs: int) -> str:
    wall_ms: list[float] = []
    cpu_ms: list[float] = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        wall_ms.append((time.perf_counter() - wall) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
    return f"{statistics.median(wall_ms):.2f} ms ({statistics.median(cpu_ms):.2f} ms CPU)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--profile", choices=["day", "add"])
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mgplanner_bench")
    os.environ.update(
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="mgplanner.settings",
    )
    import bench_web

    seeded = bench_web.seed(dict(os.environ))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies["sessionid"] = seeded["session"]
    url = f"/plan/day/{seeded['today'].isoformat()}/"
    meal_ids = iter(seeded["breakfast_ids"] * (args.runs // len(seeded["breakfast_ids"]) + 2))
    food_id = seeded["food_id"]
    sizes: dict[str, int] = {}

    def day_page() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"day page answered {response.status_code}")
        sizes["day"] = len(response.content)

    def add_item() -> None:
        meal = next(meal_ids)
        response = client.post(
            f"/plan/meals/{meal}/items/",
            {f"add-{meal}-food": food_id, f"add-{meal}-grams": "28.35"},
            HTTP_HX_REQUEST="true",
        )
        if response.status_code != 200:
            raise SystemExit(f"add-item answered {response.status_code}")
        sizes["add"] = len(response.content)

    try:
        day_page()
        add_item()
        print(f"health view   {timed(lambda: client.get('/health/'), args.runs)}")
        print(f"day page      {timed(day_page, args.runs)}, {sizes['day']:,} bytes")
        print(f"add-item POST {timed(add_item, args.runs)}, {sizes['add']:,} bytes")
        for name, function in (("day page", day_page), ("add-item POST", add_item)):
            with CaptureQueriesContext(connection) as queries:
                function()
            print(f"{name}: {len(queries.captured_queries)} queries")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                (day_page if args.profile == "day" else add_item)()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    finally:
        bench_web.remove_added_items(seeded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
