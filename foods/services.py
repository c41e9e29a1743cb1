"""Writes for foods: loading the shipped food file; people's own custom foods."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.utils import timezone

from foods.food_file import (
    ANTINUTRIENT_FIELDS,
    NUTRIENT_FIELDS,
    FoodFile,
    FoodFileError,
    FoodRecord,
    PortionRecord,
    parse_food_file,
)
from foods.models import (
    MIN_PORTION_AMOUNT,
    PORTION_AMOUNT_NOT_POSITIVE,
    Basis,
    Food,
    FoodDataLoad,
    FoodSource,
    Portion,
)
from foods.signals import food_deleting, portion_deleting, portion_reweighed
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
# Starts the change reason of every history row a load writes: the admin's history shows it,
# and the loader finds by it which foods still lack the record of their shipped values.
LOAD_REASON_PREFIX = "Loaded from "


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
    # History rows written for foods that had no record of a load (loaded by an older version).
    baselines: int = 0
    # Likewise for household measures that had no history row at all.
    measure_baselines: int = 0


def _no_progress(items: Sequence[T]) -> Iterable[T]:
    return items


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A stored household measure as the load reads it: (pk, seq, amount, unit, grams).
StoredPortion = tuple[int, int, Decimal, str, float]


def _portion_key(seq: int, amount: Decimal, unit: str, grams: float) -> tuple:
    # Decimal compares (and hashes) by value, so 1.000 from the database equals 1 from the file.
    return (seq, amount, unit, grams)


@dataclass(frozen=True, slots=True)
class MeasuresMatched:
    """What a load does to a food's stored household measures to make them its file's."""

    # Stored pk -> its order in the file: the same measure (amount, unit and grams), which
    # stays, with what people planned by it, whatever its order.
    kept: dict[int, int]
    # Stored pks the file has not, or not at that weight: deleted (plans keep their grams).
    gone: list[int]
    # The file's measures no stored one is: created.
    new: list[PortionRecord]


def _measures_matched(
    stored: Sequence[StoredPortion], wanted: Sequence[PortionRecord]
) -> MeasuresMatched:
    """Pair each stored measure with one of the file's that has the same amount, unit and
    grams: the one at its own order first, then the others of those values in order, so a
    food listing the same measure twice keeps both. Pure: no queries."""
    at_seq = {portion.seq: portion for portion in wanted}
    kept: dict[int, int] = {}
    unpaired: list[StoredPortion] = []
    for pk, seq, amount, unit, grams in stored:
        same = at_seq.get(seq)
        if same is not None and _same_measure(same, amount, unit, grams):
            kept[pk] = seq
        else:
            unpaired.append((pk, seq, amount, unit, grams))
    free: dict[tuple, list[int]] = {}
    paired = set(kept.values())
    for portion in wanted:
        if portion.seq not in paired:
            key = (portion.amount, portion.unit, portion.grams)
            free.setdefault(key, []).append(portion.seq)
    gone = []
    for pk, _, amount, unit, grams in unpaired:
        seqs = free.get((amount, unit, grams))
        if seqs:
            kept[pk] = seqs.pop(0)
        else:
            gone.append(pk)
    paired = set(kept.values())
    return MeasuresMatched(
        kept=kept, gone=gone, new=[portion for portion in wanted if portion.seq not in paired]
    )


def _same_measure(portion: PortionRecord, amount: Decimal, unit: str, grams: float) -> bool:
    return (portion.amount, portion.unit, portion.grams) == (amount, unit, grams)


def _load_reason(file_name: str, sha256: str) -> str:
    # history_change_reason holds 100 characters; the file name is the part to shorten.
    suffix = f" (sha256 {sha256[:12]})"
    return f"{LOAD_REASON_PREFIX}{file_name[: 100 - len(LOAD_REASON_PREFIX) - len(suffix)]}{suffix}"


def _history_baselines(*, food_file: FoodFile, load: FoodDataLoad) -> int:
    """Write the missing record of what `load` left in each SR28 food; the count written.

    Loads write a history row for every food they create or change, so an editor can
    always revert to the shipped values. Foods loaded by an older version have no such
    row: one is written, dated at `load`, the last load. A food without any history holds
    what the loads left (every edit writes a row). An edited one held `food_file`'s values
    right after `load` when that is the file `load` read (every load leaves the database
    equal to its file); otherwise that value is unknown and nothing is made up.
    """
    has_load_row = Food.history.filter(  # type: ignore[attr-defined]
        id=OuterRef("pk"), history_change_reason__startswith=LOAD_REASON_PREFIX
    )
    missing = list(
        Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True).filter(
            ~Exists(has_load_row)
        )
    )
    if not missing:
        return 0
    edited: set[int] = set()
    for chunk in _chunks([food.pk for food in missing], IN_CHUNK):
        edited.update(
            Food.history.filter(id__in=chunk).values_list("id", flat=True)  # type: ignore[attr-defined]
        )
    shipped = (
        {record.code: record for record in food_file.foods}
        if food_file.sha256 == load.sha256
        else {}
    )
    baselines = []
    for food in missing:
        record = shipped.get(food.code)
        if record is not None:
            for name, value in record.values().items():
                setattr(food, name, value)
        elif food.pk in edited:
            continue
        baselines.append(food)
    reason = _load_reason(load.file_name, load.sha256)
    _load_history(Food, baselines, update=True, reason=reason, at=load.loaded_at)
    return len(baselines)


def _measure_baselines(*, load: FoodDataLoad) -> int:
    """Write the missing record of what `load` left in each SR28 food's household measures;
    the count written.

    Loads write a "+" history row for every measure they create. Those loaded by an older
    version have none, so an editor's first change of one could not say what it weighed
    before ("not recorded → 50 g"). A measure without any history row was never edited
    (every edit writes one) nor created since: it holds what the loads left, as of `load`,
    the last. It gets the row a load writes for a measure it creates, dated at `load`.
    """
    has_row = Portion.history.filter(id=OuterRef("pk"))  # type: ignore[attr-defined]
    missing = list(
        Portion.objects.filter(food__source=FoodSource.USDA_SR28, food__owner__isnull=True)
        .filter(~Exists(has_row))
        .order_by("food_id", "seq")
    )
    reason = _load_reason(load.file_name, load.sha256)
    _load_history(Portion, missing, update=False, reason=reason, at=load.loaded_at)
    return len(missing)


def _load_history(
    model: type[Food] | type[Portion],
    rows: Sequence[Food | Portion],
    *,
    update: bool,
    reason: str,
    at: datetime,
) -> None:
    """The history rows of what a load wrote in bulk (bulk writes send no signals): "+"
    for rows created, "~" for rows changed (`update`), dated `at`, with `reason` and no
    user, for foods and their measures alike."""
    model.history.bulk_history_create(  # type: ignore[union-attr]
        rows, batch_size=CREATE_BATCH, update=update, default_change_reason=reason, default_date=at
    )


def _measures_write(
    *,
    created: list[tuple[Food, FoodRecord]],
    replaced: list[tuple[Food, FoodRecord]],
    stored: dict[int, list[StoredPortion]],
    reason: str,
    now: datetime,
) -> None:
    """Give the created foods their file's measures, and make the replaced foods' stored
    ones their file's, with a history row for each measure written, dated `now`, with no
    user and `reason`, as the foods' rows are: the admin lists them with the food's.

    A measure the file still has (same amount, unit and grams) stays, with what people
    planned by it; only its order may change. The others are deleted through the ORM,
    after `foods.signals.portion_deleting`: what was planned by them stays, in grams.
    """
    matched = [
        (food, _measures_matched(stored.get(food.pk, []), record.portions))
        for food, record in replaced
    ]
    _measures_delete([pk for _, match in matched for pk in match.gone], reason=reason, now=now)
    reordered = _measures_reorder(matched, stored)
    new = [
        Portion(food=food, seq=p.seq, amount=p.amount, unit=p.unit, grams=p.grams)
        for food, portions in (
            *((food, record.portions) for food, record in created),
            *((food, match.new) for food, match in matched),
        )
        for p in portions
    ]
    Portion.objects.bulk_create(new, batch_size=CREATE_BATCH)
    _load_history(Portion, new, update=False, reason=reason, at=now)
    _load_history(Portion, reordered, update=True, reason=reason, at=now)


def _measures_delete(pks: list[int], *, reason: str, now: datetime) -> None:
    """Delete the measures `pks`, keeping what people planned by them in plain grams (plans,
    through the signal), not a count of a measure that is gone."""
    for chunk in _chunks(pks, IN_CHUNK):
        deleting_at = timezone.now()
        portion_deleting.send(sender=Portion, portion_ids=chunk)
        Portion.objects.filter(pk__in=chunk).delete()
        # The delete wrote each measure's "-" row as it went, dated then and with no reason:
        # the load's date and reason list them with its other rows in the food's history.
        Portion.history.filter(  # type: ignore[attr-defined]
            id__in=chunk, history_type="-", history_date__gte=deleting_at
        ).update(history_date=now, history_change_reason=reason, history_user=None)


def _measures_reorder(
    matched: list[tuple[Food, MeasuresMatched]], stored: dict[int, list[StoredPortion]]
) -> list[Portion]:
    """Give the measures each food keeps the order its file gives them; the ones whose
    order changed, as saved, for their history rows.

    The rows moving first all go to spare numbers, counting down from the largest order
    number past every one stored or in the file, then all to theirs, so none meets
    another's (portion_unique_food_seq, checked row by row) on the way, whatever order an
    editor gave them: one UPDATE a batch, twice. The gone measures are deleted before
    this, and the new ones created after.
    """
    moving: list[tuple[Portion, int]] = []
    for food, match in matched:
        rows = {row[0]: row for row in stored.get(food.pk, [])}
        taken = {row[1] for row in rows.values()} | set(match.kept.values())
        taken.update(portion.seq for portion in match.new)
        spares = (seq for seq in range(Portion.MAX_SEQ, 0, -1) if seq not in taken)
        for pk, seq in match.kept.items():
            _, stored_seq, amount, unit, grams = rows[pk]
            if seq != stored_seq:
                portion = Portion(pk=pk, food=food, seq=seq, amount=amount, unit=unit, grams=grams)
                moving.append((portion, next(spares)))
    spared = [Portion(pk=portion.pk, seq=spare) for portion, spare in moving]
    Portion.objects.bulk_update(spared, ["seq"], batch_size=UPDATE_BATCH)
    # Only once every row moving is at its spare: a food's rows may span two batches.
    reordered = [portion for portion, _ in moving]
    Portion.objects.bulk_update(reordered, ["seq"], batch_size=UPDATE_BATCH)
    return reordered


def _check(food: Food, record: FoodRecord) -> None:
    """Model validation without database queries (the file reader already checked types)."""
    try:
        food.clean_fields(exclude=["owner"])
        food.clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise FoodFileError(record.line, f"{field}: {messages[0]}") from None


def _check_portions(record: FoodRecord) -> None:
    """The portions' model validation, as the admin applies it (bulk_create runs none)."""
    for portion in record.portions:
        # The amount's bound is a field validator (clean_fields), which a load does not run.
        if not portion.amount >= MIN_PORTION_AMOUNT:
            raise FoodFileError(
                record.line, f"portion {portion.seq}: amount: {PORTION_AMOUNT_NOT_POSITIVE}"
            )
        try:
            Portion(seq=portion.seq, unit=portion.unit, grams=portion.grams).clean()
        except ValidationError as error:
            messages = error.message_dict["grams"]
            raise FoodFileError(
                record.line, f"portion {portion.seq}: grams: {messages[0]}"
            ) from None


@transaction.atomic
def food_data_load(
    *, path: Path = SHIPPED_FILE, force: bool = False, progress: Progress | None = None
) -> LoadResult:
    """Upsert the file's SR28 foods by (source, code) in one transaction.

    A file whose sha256 was loaded before is skipped unless `force`. Foods are compared
    field by field and portions as a whole, so a reload writes only what changed. Custom
    foods (owner set) are never read or written. Rows are written with bulk_create and
    bulk_update, which send no signals, so the history rows are written here in bulk too:
    "+" for each food or household measure created, "~" for each changed (a food whose
    measures alone changed included), with no user and the reason "Loaded from <file>
    (sha256 …)". They are the shipped values an editor can revert to in the admin, and
    what its history lists a load's measure changes with. Foods and measures loaded by an
    older version, which wrote none, get theirs from any load, even a skipped one
    (`_history_baselines`, `_measure_baselines`). Of a food's changed measures, one the
    file still has (same amount, unit and grams) stays, with what people planned by it;
    the others are deleted through the ORM ("-" rows), after
    `foods.signals.portion_deleting` (what was planned by them stays, in grams).
    Raises FoodFileError (with the line number) before any write if the file is malformed.
    """
    data = path.read_bytes()
    food_file = parse_food_file(data)
    if not force and FoodDataLoad.objects.filter(sha256=food_file.sha256).exists():
        latest = FoodDataLoad.objects.order_by("-loaded_at", "-pk").first()
        if latest is None:
            return LoadResult(sha256=food_file.sha256, skipped=True)
        return LoadResult(
            sha256=food_file.sha256,
            skipped=True,
            baselines=_history_baselines(food_file=food_file, load=latest),
            measure_baselines=_measure_baselines(load=latest),
        )
    progress = progress or _no_progress

    existing = {
        food.code: food
        for food in Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True)
    }
    stored_portions: dict[int, list[StoredPortion]] = {}
    for food_id, pk, seq, amount, unit, grams in (
        Portion.objects.filter(food__source=FoodSource.USDA_SR28, food__owner__isnull=True)
        .order_by("food_id", "seq")
        .values_list("food_id", "pk", "seq", "amount", "unit", "grams")
    ):
        stored_portions.setdefault(food_id, []).append((pk, seq, amount, unit, grams))

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
            _check_portions(record)
            to_create.append((food, record))
            continue
        changed = [name for name, value in values.items() if getattr(food, name) != value]
        wanted = [_portion_key(p.seq, p.amount, p.unit, p.grams) for p in record.portions]
        stored = [_portion_key(*row[1:]) for row in stored_portions.get(food.pk, [])]
        portions_changed = stored != wanted
        if changed:
            for name in changed:
                setattr(food, name, values[name])
            _check(food, record)
            to_update.append(food)
        if portions_changed:
            _check_portions(record)
            replace_portions.append((food, record))
        if not changed and not portions_changed:
            unchanged += 1

    # Before any measure changes: the record of what the last load left in them.
    latest = FoodDataLoad.objects.order_by("-loaded_at", "-pk").first()
    measure_baselines = 0 if latest is None else _measure_baselines(load=latest)
    created = Food.objects.bulk_create([food for food, _ in to_create], batch_size=CREATE_BATCH)
    Food.objects.bulk_update(to_update, FOOD_FIELDS, batch_size=UPDATE_BATCH)
    # One time and reason for the load's rows; bulk_create set the new foods' ids (both
    # databases return them).
    reason, now = _load_reason(path.name, food_file.sha256), timezone.now()
    # A food whose measures alone changed gets a row too: its measures' rows are listed
    # with it in the admin's history.
    updated_ids = {food.pk for food in to_update}
    changed_foods = [
        *to_update,
        *(food for food, _ in replace_portions if food.pk not in updated_ids),
    ]
    _load_history(Food, created, update=False, reason=reason, at=now)
    _load_history(Food, changed_foods, update=True, reason=reason, at=now)
    _measures_write(
        created=to_create,
        replaced=replace_portions,
        stored=stored_portions,
        reason=reason,
        now=now,
    )

    load = FoodDataLoad.objects.create(
        sha256=food_file.sha256,
        file_name=path.name,
        foods=len(food_file.foods),
        portions=food_file.portion_count,
    )
    baselines = _history_baselines(food_file=food_file, load=load)
    # Every page that shows a food's figures is stale now.
    site_stamp_bump()
    return LoadResult(
        sha256=food_file.sha256,
        skipped=False,
        foods=len(food_file.foods),
        portions=food_file.portion_count,
        created=len(to_create),
        updated=len(changed_foods),
        unchanged=unchanged,
        portions_replaced=len(replace_portions),
        baselines=baselines,
        measure_baselines=measure_baselines,
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
            # What the person planned by it stays, in grams (plans, through the signal).
            portion_deleting.send(sender=Portion, portion_ids=[portion.pk])
            portion.delete()
        return
    reweighed = portion is not None and portion.grams != portion_grams
    if portion is None:
        portion = Portion(food=food, seq=1, amount=Decimal(1))
    portion.unit = portion_unit or "portion"
    portion.grams = portion_grams
    portion.full_clean()
    portion.save()
    if reweighed:
        # What they planned by it weighs the new grams, or the save is refused on the field.
        try:
            portion_reweighed.send(sender=Portion, portion=portion)
        except ValidationError as error:
            raise ValidationError({"portion_grams": error.messages}) from None


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
    """Delete a custom food and its portion; the caller fetched it as its owner.

    Raises ValidationError, with where the food is still used, and deletes nothing while
    a live meal item, recipe or template names it; what only Undo still holds (deleted
    meal items) goes with the food (see foods.signals.food_deleting).
    """
    if food.owner_id is None:
        raise ValueError("Database foods are deleted by food editors in the admin.")
    food_deleting.send(sender=Food, food=food)
    try:
        food.delete()
    except ProtectedError:
        # Rows that name a food keep it (PROTECT), so a plan never loses a row silently;
        # a receiver above names them, this is the backstop for any it does not know.
        raise ValidationError(
            "This food is still used in a meal plan, recipe or template. "
            "Remove it from them, then delete it."
        ) from None
