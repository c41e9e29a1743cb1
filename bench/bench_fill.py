"""Fill my day: time to propose the portions for a day short of its target, full food database.

Runs on the database DATABASE_URL names (the SQLite dev database by default), which must hold
the shipped food file (`manage.py migrate && manage.py load_foods`). The options are what the
page offers: the candidate pool's add list (warm pool; its build is timed by
bench_suggest.py) plus twelve "usual" foods of the day in their first household portion.
Three cases: a day about half its target (reachable), the same day with a tight kcal goal (out of
reach: the program runs to its most-gain fallback), and a day with a supplement.
Target: under 1 s per proposal (p95).

    .venv/bin/python bench/bench_fill.py [--rounds 50]
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

from django.db import connection, transaction  # noqa: E402

from foods.models import Food, Portion  # noqa: E402
from foods.selectors import food_values  # noqa: E402
from plans import swap_pool  # noqa: E402
from plans.fill import FillOption, fill_day  # noqa: E402
from plans.scoring import Day, Item, Meal, Supplement, score_day  # noqa: E402
from plans.targets import Person  # noqa: E402

TARGET_S = 1.0
MIN_FOODS = 8000

# A low-magnesium day of everyday SR28 foods (code, grams): white bread, milk, rice, chicken...
DAY = {
    "Breakfast": [("18069", 60), ("01077", 250)],
    "Lunch": [("20045", 158), ("05064", 120)],
    "Dinner": [("15076", 150), ("20121", 140)],
    "Snacks": [("19120", 44)],
}


def bench_day(supplement: bool) -> tuple[Day, list[FillOption]]:
    codes = [code for items in DAY.values() for code, _ in items]
    foods = {food.code: food for food in Food.objects.filter(code__in=codes, owner__isnull=True)}
    missing = set(codes) - set(foods)
    if missing:
        raise SystemExit(f"bench_fill: foods missing from the database: {sorted(missing)}")
    meals = []
    for name, items in DAY.items():
        made = []
        for code, grams in items:
            values = food_values(foods[code])
            made.append(
                Item(
                    values.name,
                    grams,
                    values.magnesium_mg_per_100g,
                    values.phytate_mg_per_100g,
                    values.oxalate_mg_per_100g,
                    values.calcium_mg_per_100g,
                    values.kcal_per_100g,
                    code=code,
                )
            )
        meals.append(Meal(name, tuple(made)))
    supplements = (
        (Supplement("citrate", 100.0, name="Mag citrate", with_meal="Dinner"),)
        if supplement
        else ()
    )
    # The day's own foods stand for "the foods you eat most", in their first measure.
    usual = []
    for code in dict.fromkeys(codes):
        portion = Portion.objects.filter(food=foods[code]).order_by("seq").first()
        if portion is not None:
            usual.append(
                FillOption(food_values(foods[code]), portion.grams, portion.label, frequent=True)
            )
    pool = swap_pool.candidate_pool()
    adds = [FillOption(c.food, c.portion_grams, c.portion_label) for c in pool.adds]
    seen = {option.food.code for option in usual}
    options = usual + [option for option in adds if option.food.code not in seen]
    return Day(Person("female", 40), tuple(meals), supplements), options


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_pages(day: Day, rounds: int) -> float:
    """The pages' work over HTTP (test client): the fill page, and the suggestions panel.

    A throwaway person whose day holds the bench day's foods, inside a transaction rolled
    back at the end, so the database is left as it was. Returns the fill page's p95 (s).
    """
    from datetime import date

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Profile, User
    from plans import services

    codes = {item.code: item.grams for meal in day.meals for item in meal.items}
    foods = {food.code: food for food in Food.objects.filter(code__in=codes, owner__isnull=True)}
    with transaction.atomic():
        user = User.objects.create_user(email="bench-fill@example.org", password=None)
        Profile.objects.create(
            user=user,
            date_of_birth=date(timezone.localdate().year - 40, 1, 1),
            sex="female",
            onboarded_at=timezone.now(),
        )
        on = timezone.localdate()
        planned = services.day_get_or_create(user=user, on=on, editor=user)
        meals = {meal.name: meal for meal in planned.meals.all()}
        for meal in day.meals:
            for item in meal.items:
                services.meal_item_add(
                    meal=meals[meal.name],
                    food=foods[item.code],
                    editor=user,
                    grams=item.grams,
                )
        client = Client()
        client.force_login(user)
        results = {}
        pages = (
            ("fill page (GET, full page)", reverse("plans:fill", args=[on.isoformat()]), {}),
            (
                "suggestions panel (GET, htmx)",
                reverse("plans:day_suggestions", args=[on.isoformat()]),
                {"HTTP_HX_REQUEST": "true"},
            ),
        )
        for label, url, headers in pages:
            client.get(url, **headers)  # warm-up
            timings = []
            for _ in range(rounds):
                start = time.perf_counter()
                response = client.get(url, **headers)
                timings.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"bench_fill: {url} answered {response.status_code}")
            results[label] = timings
            print(
                f"{label}: p50 {statistics.median(timings) * 1000:.0f} ms, "
                f"p95 {percentile(timings, 0.95) * 1000:.0f} ms"
            )
        transaction.set_rollback(True)
    return percentile(results["fill page (GET, full page)"], 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    foods = Food.objects.count()
    if foods < MIN_FOODS:
        print(f"bench_fill: only {foods} foods; run manage.py load_foods", file=sys.stderr)
        return 2
    plain_day, options = bench_day(supplement=False)
    dosed_day, _ = bench_day(supplement=True)
    tight_goal = score_day(plain_day).kcal + 40
    cases = (
        ("reachable", plain_day, None),
        ("kcal goal +40 kcal (out of reach)", plain_day, tight_goal),
        ("with a 100 mg supplement at dinner", dosed_day, None),
    )
    print(
        f"{connection.vendor}, {foods} foods; {len(options)} options x "
        f"{len(plain_day.meals)} meals; at most 2 portions of a food; rounds: {args.rounds}"
    )
    worst_p95 = 0.0
    for label, day, goal in cases:
        fill_day(day, options, kcal_goal=goal)  # warm-up
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            proposal = fill_day(day, options, kcal_goal=goal)
            timings.append(time.perf_counter() - start)
        p95 = percentile(timings, 0.95)
        worst_p95 = max(worst_p95, p95)
        outcome = "reaches" if proposal.reached else f"{proposal.shortfall_mg:.0f} mg short"
        print(
            f"{label}: {proposal.before_percent:.0f} % -> {proposal.after_percent:.0f} % "
            f"({outcome}), {len(proposal.additions)} additions, {proposal.kcal_added:.0f} kcal, "
            f"{proposal.iterations} programs; p50 {statistics.median(timings) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms"
        )
    web_p95 = bench_pages(plain_day, args.rounds)
    worst_p95 = max(worst_p95, web_p95)
    verdict = "OK" if worst_p95 < TARGET_S else "TOO SLOW"
    print(f"target < {TARGET_S:.0f} s: {verdict}")
    return 0 if worst_p95 < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
