"""Scoring speed: median time of `score_day` for a day of 5 occasions x 8 items (pure Python).

No database, no Django: the engine alone. Each sample times one `score_day` call with
time.perf_counter_ns; the median over many samples is printed. Target: median under 100 us.
A second figure scores the same day with two supplements (one large enough to warn and to
work out the split-dose gain), and a third the `score_to_json` conversion.

    .venv/bin/python bench/bench_scoring.py [--samples 20000]
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plans.scoring import PREPARATIONS, Day, Item, Meal, Supplement, score_day, score_to_json
from plans.targets import Person

TARGET_MEDIAN_US = 100.0
OCCASIONS = ("Breakfast", "Snack", "Lunch", "Snack 2", "Dinner")
ITEMS_PER_OCCASION = 8


def bench_day(*, with_supplements: bool) -> Day:
    """A varied day: every item carries magnesium, most phytate, some oxalate and calcium."""
    meals = tuple(
        Meal(
            name,
            tuple(
                Item(
                    name=f"{name} item {i}",
                    grams=40.0 + 15 * i,
                    magnesium_mg_per_100g=12.0 + 9 * i + 3 * m,
                    phytate_mg_per_100g=60.0 * (i % 4),
                    oxalate_mg_per_100g=25.0 * (i % 3 == 0),
                    calcium_mg_per_100g=20.0 + 30 * (i % 2),
                    kcal_per_100g=80.0 + 20 * i,
                    preparation=PREPARATIONS[(i + m) % len(PREPARATIONS)],
                    code=f"{m}{i:04d}",
                    key=f"item-{m * ITEMS_PER_OCCASION + i}",
                )
                for i in range(ITEMS_PER_OCCASION)
            ),
        )
        for m, name in enumerate(OCCASIONS)
    )
    supplements: tuple[Supplement, ...] = ()
    if with_supplements:
        supplements = (
            Supplement("citrate", 80.8, with_meal="Breakfast", key="dose-1"),
            Supplement("oxide", 301.5, name="bedtime", key="dose-2"),
        )
    person = Person("female", 34, medications=frozenset({"ppi"}))
    return Day(person, meals, supplements)


def median_us(call: Callable[[], object], samples: int) -> float:
    for _ in range(min(2000, samples)):  # warm up caches and the specialising interpreter
        call()
    timings = []
    clock = time.perf_counter_ns
    for _ in range(samples):
        start = clock()
        call()
        timings.append(clock() - start)
    return statistics.median(timings) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args()
    plain = bench_day(with_supplements=False)
    supplemented = bench_day(with_supplements=True)
    score = score_day(supplemented)
    print(f"python {sys.version.split()[0]}, {args.samples} samples each")
    figures = {
        f"score_day, {len(OCCASIONS)} x {ITEMS_PER_OCCASION} items": median_us(
            lambda: score_day(plain), args.samples
        ),
        "score_day, same + 2 supplements": median_us(lambda: score_day(supplemented), args.samples),
        "score_to_json of that day": median_us(lambda: score_to_json(score), args.samples),
    }
    for label, value in figures.items():
        print(f"{label:<36} median {value:7.1f} us")
    headline = next(iter(figures.values()))
    verdict = "meets" if headline < TARGET_MEDIAN_US else "MISSES"
    print(f"score_day median {headline:.1f} us {verdict} the {TARGET_MEDIAN_US:g} us target")
    return 0 if headline < TARGET_MEDIAN_US else 1


if __name__ == "__main__":
    sys.exit(main())
