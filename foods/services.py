"""Writes for foods: loading the shipped food file; people's own custom foods."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from foods.food_file import (
    ANTINUTRIENT_FIELDS,
    NUTRIENT_FIELDS,
    FoodFileError,
    FoodRecord,
    parse_food_file,
)
from foods.models import Basis, Food, FoodDataLoad, FoodSource, Portion
from mgplanner.page_cache import site_stamp_bump

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "foods.jsonl"
# Batches keep each INSERT/UPDATE under SQLite's bound-parameter limit and PostgreSQL's
# statement size comfortable, while needing only a few round trips for 8,789 foods.
CREATE_BATCH = 500
UPDATE_BATCH = 250
# `__in` lookups are chunked for the same parameter limit.
IN_CHUNK = 500

T = TypeVar("T")
Progress = Callable[[Sequence[T]], Iterable[T]]

FOOD_FIELDS = ["description", "food_group", *NUTRIENT_FIELDS, *ANTINUTRIENT_FIELDS]


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
    # Every page that shows a food's figures is stale now.
    site_stamp_bump()
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


# ---- custom foods: a person's own foods, which only they see ----

# The nutrient fields a person may enter for a custom food; magnesium is required by the form.
CUSTOM_FOOD_FIELDS = ["description", *NUTRIENT_FIELDS]
CUSTOM_FOOD_GROUP = "Custom foods"
ENTERED_SOURCE = "entered by you"
NOT_ENTERED_SOURCE = "not entered: counted as none"


def _custom_food_save(
    food: Food,
    *,
    phytate_mg_per_100g: float | None,
    oxalate_mg_per_100g: float | None,
    portion_unit: str,
    portion_grams: float | None,
    values: dict[str, Any],
) -> Food:
    """Set a custom food's entered values, validate, save it and its one portion."""
    unknown = set(values) - set(CUSTOM_FOOD_FIELDS)
    if unknown:
        raise TypeError(f"not a custom food field: {', '.join(sorted(unknown))}")
    for name in CUSTOM_FOOD_FIELDS:
        if name in values:
            setattr(food, name, values[name])
    # What a person types is their estimate; a blank is scored as none, and the detail page
    # says so rather than presenting a zero as a measurement.
    for prefix, value in (("phytate", phytate_mg_per_100g), ("oxalate", oxalate_mg_per_100g)):
        setattr(food, f"{prefix}_mg_per_100g", value or 0.0)
        setattr(food, f"{prefix}_basis", Basis.ESTIMATE)
        setattr(
            food, f"{prefix}_source", ENTERED_SOURCE if value is not None else NOT_ENTERED_SOURCE
        )
    food.full_clean()
    food.save()
    _custom_portion_set(food, portion_unit=portion_unit, portion_grams=portion_grams)
    return food


def _custom_portion_set(food: Food, *, portion_unit: str, portion_grams: float | None) -> None:
    """A custom food has at most one household portion, changed in place so meal items
    that use it keep it; a blank weight removes it."""
    portion = food.portions.order_by("seq").first()
    if portion_grams is None:
        if portion is not None:
            portion.delete()
        return
    if portion is None:
        portion = Portion(food=food, seq=1, amount=Decimal(1))
    portion.unit = portion_unit or "portion"
    portion.grams = portion_grams
    portion.full_clean()
    portion.save()


@transaction.atomic
def custom_food_create(
    *,
    user: Any,
    phytate_mg_per_100g: float | None = None,
    oxalate_mg_per_100g: float | None = None,
    portion_unit: str = "",
    portion_grams: float | None = None,
    **values: Any,
) -> Food:
    """A new custom food owned by `user`; raises ValidationError on implausible values."""
    # A random code keeps (source, code) unique without a counter to race on.
    food = Food(
        source=FoodSource.CUSTOM,
        code=f"u{uuid.uuid4().hex[:15]}",
        owner=user,
        food_group=CUSTOM_FOOD_GROUP,
    )
    return _custom_food_save(
        food,
        phytate_mg_per_100g=phytate_mg_per_100g,
        oxalate_mg_per_100g=oxalate_mg_per_100g,
        portion_unit=portion_unit,
        portion_grams=portion_grams,
        values=values,
    )


@transaction.atomic
def custom_food_update(
    *,
    food: Food,
    phytate_mg_per_100g: float | None = None,
    oxalate_mg_per_100g: float | None = None,
    portion_unit: str = "",
    portion_grams: float | None = None,
    **values: Any,
) -> Food:
    """Change a custom food; the caller fetched it with custom_food_get_for (owner only)."""
    if food.owner_id is None:
        raise ValueError("Database foods are changed by food editors in the admin.")
    return _custom_food_save(
        food,
        phytate_mg_per_100g=phytate_mg_per_100g,
        oxalate_mg_per_100g=oxalate_mg_per_100g,
        portion_unit=portion_unit,
        portion_grams=portion_grams,
        values=values,
    )


@transaction.atomic
def custom_food_delete(*, food: Food) -> None:
    """Delete a custom food and its portion; the caller fetched it as its owner."""
    if food.owner_id is None:
        raise ValueError("Database foods are deleted by food editors in the admin.")
    try:
        food.delete()
    except ProtectedError:
        # Meal items keep their food (PROTECT), so a plan's history never loses a row.
        raise ValidationError(
            "This food is in one of your meal plans. Remove it from them, then delete it."
        ) from None
