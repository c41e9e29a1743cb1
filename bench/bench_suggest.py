"""Suggestion latency: p50/p95 of the suggestions for a 30-item day over the full food database.

Runs on the database DATABASE_URL names (the SQLite dev database by default), which must hold
the shipped food file (`manage.py migrate && manage.py load_foods`). Reports separately:
- the candidate pool build (once per process and per change of the food data: every database
  food read, tagged and ranked);
- one request's work with the warm pool: the cache check (three aggregate queries), then
  `suggest` on the day, which scores every candidate change with the engine;
- `suggest` alone (the pure part).
Target: p95 under 100 ms for the request's work.

    .venv/bin/python bench/bench_suggest.py [--rounds 200]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgplanner.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from foods.models import Food  # noqa: E402
from foods.selectors import food_values_by_code  # noqa: E402
from plans import swap_pool  # noqa: E402
from plans.scoring import Day, Item, Meal, Supplement, score_day  # noqa: E402
from plans.swaps import suggest  # noqa: E402
from plans.targets import Person  # noqa: E402

TARGET_P95_MS = 100.0
MIN_FOODS = 8000

# 30 items of everyday SR28 foods over five occasions (code, grams).
DAY = {
    "Breakfast": [
        ("08120", 40),
        ("01077", 200),
        ("09040", 118),
        ("18075", 64),
        ("01123", 50),
        ("12061", 15),
    ],
    "Snacks": [("19120", 44), ("09003", 182), ("19411", 28)],
    "Lunch": [
        ("11457", 90),
        ("16015", 172),
        ("20045", 158),
        ("05064", 120),
        ("11252", 72),
        ("18069", 58),
        ("01116", 170),
        ("09037", 75),
    ],
    "Afternoon": [("12014", 20), ("19904", 20), ("11124", 60)],
    "Dinner": [
        ("15076", 150),
        ("20137", 185),
        ("11090", 90),
        ("11233", 32),
        ("20121", 140),
        ("16126", 126),
        ("11674", 148),
        ("18029", 40),
        ("20010", 168),
        ("09040", 60),
    ],
}


def bench_day() -> Day:
    codes = {code for items in DAY.values() for code, _ in items}
    foods = food_values_by_code(codes)
    missing = codes - set(foods)
    if missing:
        raise SystemExit(f"bench_suggest: foods missing from the database: {sorted(missing)}")
    key = 0
    meals = []
    for name, items in DAY.items():
        made = []
        for code, grams in items:
            key += 1
            food = foods[code]
            made.append(
                Item(
                    food.name,
                    grams,
                    food.magnesium_mg_per_100g,
                    food.phytate_mg_per_100g,
                    food.oxalate_mg_per_100g,
                    food.calcium_mg_per_100g,
                    food.kcal_per_100g,
                    code=code,
                    key=f"item-{key}",
                )
            )
        meals.append(Meal(name, tuple(made)))
    supplements = (
        Supplement("citrate", 400.0, name="Mag citrate", with_meal="Dinner", key="dose-1"),
    )
    return Day(Person("female", 40), tuple(meals), supplements)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    foods = Food.objects.count()
    if foods < MIN_FOODS:
        print(f"bench_suggest: only {foods} foods; run manage.py load_foods", file=sys.stderr)
        return 2
    day = bench_day()
    items = sum(len(meal.items) for meal in day.meals)

    swap_pool.clear_candidate_pool()
    start = time.perf_counter()
    pool = swap_pool.candidate_pool()
    build_ms = (time.perf_counter() - start) * 1000

    def request() -> list:
        return suggest(day, swap_pool.candidate_pool(), limit=10)

    def pure() -> list:
        return suggest(day, pool, limit=10)

    for _ in range(10):
        request()
    figures = {}
    for label, call in (("request (warm pool)", request), ("suggest alone", pure)):
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            call()
            timings.append((time.perf_counter() - start) * 1000)
        figures[label] = timings

    scorings = len(suggest(day, pool, limit=1000))
    print(
        f"{connection.vendor}, {foods} foods, a day of {items} items over {len(day.meals)} "
        f"occasions + 1 supplement, effective {score_day(day).effective_mg:.0f} mg"
    )
    print(
        f"pool build: {build_ms:.0f} ms ({len(pool.adds)} adds, {len(pool.same_role)} roles, "
        f"{len(pool.pairs)} curated pairs)"
    )
    print(f"suggestions worth proposing: {scorings}; rounds: {args.rounds}")
    for label, timings in figures.items():
        print(
            f"{label}: p50 {statistics.median(timings):.1f} ms, "
            f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms"
        )
    p95 = percentile(figures["request (warm pool)"], 0.95)
    verdict = "OK" if p95 < TARGET_P95_MS else "TOO SLOW"
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {verdict}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
