"""Reads for suggestions: the candidate pool built from the food database and curated data.

Building the pool reads every database food once (~9,000 rows, a few hundred ms), so it is
kept per process and rebuilt only when the food data changes: the key is the latest
FoodDataLoad, the newest history row of foods and portions (every admin edit or CSV import
writes one) and the highest food id.
"""

import csv
import threading
from functools import cache
from pathlib import Path

from django.db import connection

from foods.diet import tags_for
from foods.models import Basis, Food, FoodDataLoad, FoodSource, Portion
from foods.selectors import food_values
from plans.swaps import CandidatePool, PoolFood, SwapPair, build_pool

DATA_DIR = Path(__file__).resolve().parent / "data"
SWAP_PAIRS_FILE = DATA_DIR / "swap_pairs.csv"
ADD_CANDIDATES_FILE = DATA_DIR / "add_candidates.csv"

_lock = threading.Lock()
_cached: tuple[tuple, CandidatePool] | None = None


@cache
def curated_pairs() -> tuple[SwapPair, ...]:
    with SWAP_PAIRS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            SwapPair(row["from_code"], row["to_code"], row["why"]) for row in csv.DictReader(handle)
        )


@cache
def curated_adds() -> tuple[tuple[str, float, str], ...]:
    with ADD_CANDIDATES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            (row["code"], float(row["grams"]), row["portion_label"])
            for row in csv.DictReader(handle)
        )


def _food_data_version() -> tuple:
    """Changes whenever a food or portion is loaded, edited, added or deleted.

    One query of four index lookups, on every suggestions request: it counted the foods
    before (a scan of the whole table, ~4 ms on PostgreSQL); the highest food id tells a
    food added without a history row as well, and a deletion writes one.
    """
    latest = [
        (FoodDataLoad, "id"),
        (Food.history.model, "history_id"),
        (Portion.history.model, "history_id"),
        (Food, "id"),
    ]
    quote = connection.ops.quote_name
    maxima = [
        # Table and column names from the models, no input.
        f"(SELECT MAX({quote(column)}) FROM {quote(model._meta.db_table)})"  # noqa: S608 # nosec B608
        for model, column in latest
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(maxima))
        return tuple(cursor.fetchone())


def _database_foods() -> list[PoolFood]:
    portions: dict[int, list[tuple[float, str]]] = {}
    # Ordered by ids, not the model's ordering, which would join and sort the food table;
    # seq keeps the source's order, whose first portion is the common one.
    rows = (
        Portion.objects.filter(food__owner__isnull=True, food__source=FoodSource.USDA_SR28)
        .order_by("food_id", "seq")
        .values_list("food_id", "amount", "unit", "grams")
    )
    for food_id, amount, unit, grams in rows:
        portions.setdefault(food_id, []).append((grams, f"{amount.normalize():f} {unit}"))
    foods = Food.objects.filter(owner__isnull=True, source=FoodSource.USDA_SR28).only(
        "pk",
        "code",
        "description",
        "food_group",
        "magnesium_mg_per_100g",
        "phytate_mg_per_100g",
        "oxalate_mg_per_100g",
        "calcium_mg_per_100g",
        "kcal_per_100g",
        "oxalate_basis",
    )
    return [
        PoolFood(
            food=food_values(food),
            tags=tags_for(food.code, food.description, food.food_group),
            portions=tuple(portions.get(food.pk, ())),
            oxalate_known=food.oxalate_basis != Basis.ESTIMATE,
        )
        for food in foods.order_by()
    ]


def candidate_pool() -> CandidatePool:
    """The pool for the current food data (built on first use, then reused)."""
    global _cached
    version = _food_data_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == version:
            return _cached[1]
        pool = build_pool(_database_foods(), pairs=curated_pairs(), adds=curated_adds())
        _cached = (version, pool)
        return pool


def clear_candidate_pool() -> None:
    """Forget the cached pool (tests that swap the food table under a live process)."""
    global _cached
    with _lock:
        _cached = None
