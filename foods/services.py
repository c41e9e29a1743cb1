"""Writes for foods: loading the shipped food file."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from foods.food_file import FoodFileError, FoodRecord, parse_food_file
from foods.models import Food, FoodDataLoad, FoodSource, Portion

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "foods.jsonl"
# Batches keep each INSERT/UPDATE under SQLite's bound-parameter limit and PostgreSQL's
# statement size comfortable, while needing only a few round trips for 8,789 foods.
CREATE_BATCH = 500
UPDATE_BATCH = 250
# `__in` lookups are chunked for the same parameter limit.
IN_CHUNK = 500

T = TypeVar("T")
Progress = Callable[[Sequence[T]], Iterable[T]]

FOOD_FIELDS = [
    "description",
    "food_group",
    "kcal_per_100g",
    "protein_g_per_100g",
    "fat_g_per_100g",
    "carbohydrate_g_per_100g",
    "fibre_g_per_100g",
    "magnesium_mg_per_100g",
    "calcium_mg_per_100g",
    "potassium_mg_per_100g",
    "sodium_mg_per_100g",
    "phosphorus_mg_per_100g",
    "zinc_mg_per_100g",
    "iron_mg_per_100g",
    "vitamin_d_ug_per_100g",
    "phytate_mg_per_100g",
    "phytate_basis",
    "phytate_source",
    "oxalate_mg_per_100g",
    "oxalate_basis",
    "oxalate_source",
]


@dataclass(frozen=True, slots=True)
class LoadResult:
    sha256: str
    skipped: bool
    foods: int = 0
    portions: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    portions_replaced: int = 0


def _no_progress(items: Sequence[T]) -> Iterable[T]:
    return items


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _portion_key(seq: int, amount: Decimal, unit: str, grams: float) -> tuple:
    # Decimal compares by value, so 1.000 from the database equals 1 from the file.
    return (seq, amount, unit, grams)


def _check(food: Food, record: FoodRecord) -> None:
    """Model validation without database queries (the file reader already checked types)."""
    try:
        food.clean_fields(exclude=["owner"])
        food.clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise FoodFileError(record.line, f"{field}: {messages[0]}") from None


@transaction.atomic
def food_data_load(
    *, path: Path = SHIPPED_FILE, force: bool = False, progress: Progress | None = None
) -> LoadResult:
    """Upsert the file's SR28 foods by (source, code) in one transaction.

    A file whose sha256 was loaded before is skipped unless `force`. Foods are compared
    field by field and portions as a whole, so a reload writes only what changed. Custom
    foods (owner set) are never read or written. Rows are written with bulk_create and
    bulk_update, which send no signals: simple_history records no per-food history for a
    data load (8,789 rows each time); the FoodDataLoad row is the record of the load.
    Replaced portions are deleted through the ORM, so their removal is in the history.
    Raises FoodFileError (with the line number) before any write if the file is malformed.
    """
    data = path.read_bytes()
    food_file = parse_food_file(data)
    if not force and FoodDataLoad.objects.filter(sha256=food_file.sha256).exists():
        return LoadResult(sha256=food_file.sha256, skipped=True)
    progress = progress or _no_progress

    existing = {
        food.code: food
        for food in Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True)
    }
    stored_portions: dict[int, list[tuple]] = {}
    for food_id, seq, amount, unit, grams in (
        Portion.objects.filter(food__source=FoodSource.USDA_SR28, food__owner__isnull=True)
        .order_by("food_id", "seq")
        .values_list("food_id", "seq", "amount", "unit", "grams")
    ):
        stored_portions.setdefault(food_id, []).append(_portion_key(seq, amount, unit, grams))

    to_create: list[tuple[Food, FoodRecord]] = []
    to_update: list[Food] = []
    replace_portions: list[tuple[Food, FoodRecord]] = []
    unchanged = 0
    for record in progress(food_file.foods):
        values = record.values()
        food = existing.get(record.code)
        if food is None:
            food = Food(source=FoodSource.USDA_SR28, code=record.code, **values)
            _check(food, record)
            to_create.append((food, record))
            continue
        changed = [name for name, value in values.items() if getattr(food, name) != value]
        wanted = [_portion_key(p.seq, p.amount, p.unit, p.grams) for p in record.portions]
        portions_changed = stored_portions.get(food.pk, []) != wanted
        if changed:
            for name in changed:
                setattr(food, name, values[name])
            _check(food, record)
            to_update.append(food)
        if portions_changed:
            replace_portions.append((food, record))
        if not changed and not portions_changed:
            unchanged += 1

    Food.objects.bulk_create([food for food, _ in to_create], batch_size=CREATE_BATCH)
    Food.objects.bulk_update(to_update, FOOD_FIELDS, batch_size=UPDATE_BATCH)
    replaced_ids = [food.pk for food, _ in replace_portions]
    for chunk in _chunks(replaced_ids, IN_CHUNK):
        Portion.objects.filter(food_id__in=chunk).delete()
    portions = [
        Portion(food=food, seq=p.seq, amount=p.amount, unit=p.unit, grams=p.grams)
        for food, record in (*to_create, *replace_portions)
        for p in record.portions
    ]
    Portion.objects.bulk_create(portions, batch_size=CREATE_BATCH)

    FoodDataLoad.objects.create(
        sha256=food_file.sha256,
        file_name=path.name,
        foods=len(food_file.foods),
        portions=food_file.portion_count,
    )
    return LoadResult(
        sha256=food_file.sha256,
        skipped=False,
        foods=len(food_file.foods),
        portions=food_file.portion_count,
        created=len(to_create),
        updated=len({food.pk for food in to_update} | set(replaced_ids)),
        unchanged=unchanged,
        portions_replaced=len(replace_portions),
    )
