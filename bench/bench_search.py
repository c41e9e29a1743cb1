"""Food search latency: p50/p95 of `food_search` over the full food database.

Runs on the database DATABASE_URL names (the SQLite dev database by default), which must
hold the shipped food file (`manage.py migrate && manage.py load_foods`). Each query is the
whole selector call a search keystroke makes: index lookup, ranking, and the page of foods
with their portions. Target: p95 under 20 ms for two-word queries.

    .venv/bin/python bench/bench_search.py [--rounds 30]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgplanner.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from foods.models import Food  # noqa: E402
from foods.selectors import food_search  # noqa: E402

TARGET_P95_MS = 20.0
# Full SR28 holds 8,789 foods; fewer means the food file is not loaded.
MIN_FOODS = 8000

TWO_WORDS = [
    "pumpkin seed",
    "dark chocolate",
    "black beans",
    "brown rice",
    "peanut butter",
    "chicken breast",
    "whole wheat",
    "greek yogurt",
    "sweet potato",
    "kidney beans",
    "cheddar cheese",
    "orange juice",
    "rolled oats",
    "raw spinach",
    "pum se",
    "ch br",
]
ONE_WORD = ["spinach", "almonds", "oats", "milk", "banana", "salmon", "tofu", "quinoa", "s", "c"]


def percentile(samples_ms: list[float], fraction: float) -> float:
    ordered = sorted(samples_ms)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(queries: list[str], rounds: int, sort: str = "relevance") -> list[float]:
    samples_ms = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            food_search(user=None, query=query, sort=sort, limit=30)
            samples_ms.append(1000 * (time.perf_counter() - started))
    return samples_ms


def report(label: str, samples_ms: list[float]) -> float:
    p50, p95 = percentile(samples_ms, 0.50), percentile(samples_ms, 0.95)
    print(f"{label:<34} n={len(samples_ms):>5}  p50={p50:6.2f} ms  p95={p95:6.2f} ms")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    foods = Food.objects.filter(owner__isnull=True).count()
    if foods < MIN_FOODS:
        print(
            f"bench_search: {foods} foods in the database; load the food file first "
            "(manage.py migrate && manage.py load_foods)",
            file=sys.stderr,
        )
        return 2
    print(f"{connection.vendor}, {foods} foods, {args.rounds} rounds per query")
    measure(TWO_WORDS + ONE_WORD, 1)  # warm caches and the connection
    p95 = report("two words (relevance)", measure(TWO_WORDS, args.rounds))
    report("one word (relevance)", measure(ONE_WORD, args.rounds))
    report("two words (sort Mg per portion)", measure(TWO_WORDS, args.rounds, "mg_per_portion"))
    report("empty query (top Mg foods)", measure([""], args.rounds * 5))
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"two-word p95 {p95:.2f} ms {verdict} the {TARGET_P95_MS:g} ms target")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
