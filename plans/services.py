"""Writes to plans: every change to a day goes through here, in one transaction.

Each write to a day bumps `Day.version` and records who edited it and when, so a
dietitian and their client editing the same day can tell what changed.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access_log import access_change_record
from accounts.models import AccessAction, User
from accounts.selectors import profile_for
from foods.models import Food, Portion
from foods.selectors import portion_for
from foods.values import MAX_PORTION_GRAMS
from plans.concurrency import (
    NotesChangedError,
    day_version_check,
    day_version_waived,
    record_written,
    same_text,
)
from plans.models import (
    DEFAULT_MEAL_NAMES,
    MAX_COPY_TARGETS,
    MAX_DAY_NOTE_CHARS,
    AmountBasis,
    AmountFields,
    Day,
    DayNote,
    DayTemplate,
    DayTemplateItem,
    DayTemplateRecipe,
    Meal,
    MealItem,
    MealRecipe,
    MealTemplate,
    MealTemplateItem,
    MealTemplateRecipe,
    NoteVisibility,
    Plan,
    Preparation,
    Recipe,
    RecipeIngredient,
    SupplementDose,
    SupplementKind,
    SupplementProduct,
    WeekTemplate,
)
from plans.selectors import day_date_error
from plans.supplements import FORMS as SUPPLEMENT_FORMS
from plans.supplements import compound_unknown, opening

MAX_MEALS_PER_DAY = 12
MAX_NOTES_CHARS = 4000


def _unchanged_key(row: Any, fields: Sequence[str]) -> tuple[Any, ...]:
    """The values an edit may change, to tell an edit that changes nothing (the edit form
    saved as it was): that one writes nothing and leaves the day's version, so another tab
    of the day is not sent the reload prompt for a change that never happened."""
    return tuple(getattr(row, name) for name in fields)


ITEM_EDITABLE = ("grams", "portion_id", "portion_quantity", "preparation")
DOSE_EDITABLE = ("product_id", "quantity", "meal_id", "taken_at")


def _touch(day: Day, *, editor: User | None, log_access: bool = True) -> None:
    # Under the row lock: a write sent with a version the day has left is refused
    # (StaleDayError rolls the whole write back; plans/concurrency.py).
    day.version = day_version_check(day_pk=day.pk) + 1
    day.last_edited_by = editor
    day.last_edited_at = timezone.now()
    day.save(update_fields=["version", "last_edited_by", "last_edited_at"])
    record_written(day_pk=day.pk, version=day.version)
    # A dietitian's change to a client's day is in the client's access log, written in this
    # transaction. Only a dietitian edits another's plan (Plan.objects.visible_to), so other
    # editors skip the owner lookup. Writes over several days log once (`log_access=False`).
    if log_access and editor is not None and editor.is_dietitian:
        access_change_record(editor=editor, client_id=day.plan.owner_id)


@transaction.atomic
def plan_get_or_create(*, user: User) -> Plan:
    plan, _ = Plan.objects.get_or_create(owner=user)
    return plan


def day_date_check(*, user: User, on: date, editor: User | None = None) -> None:
    """Raise ValidationError (keyed `date`) when the planner does not take the person's day
    `on` (`day_date_error`): what a write that plans a day, or changes one already planned
    but now outside the plan (a dietitian's note deleted), is refused with."""
    problem = day_date_error(profile=profile_for(user=user), on=on, viewer=editor)
    if problem:
        raise ValidationError({"date": problem})


@transaction.atomic
def day_get_or_create(*, user: User, on: date, editor: User | None = None) -> Day:
    """The person's day on `on`, created with the four default meals the first time.

    Raises ValidationError for a date outside the plan (before birth, over two years ahead).
    """
    day_date_check(user=user, on=on, editor=editor)
    plan = plan_get_or_create(user=user)
    day, created = Day.objects.get_or_create(
        plan=plan, date=on, defaults={"last_edited_by": editor or user}
    )
    if created:
        Meal.objects.bulk_create(
            Meal(day=day, name=name, position=position)
            for position, name in enumerate(DEFAULT_MEAL_NAMES)
        )
    return day


@contextmanager
def day_planned_with(day: Day, *, editor: User) -> Iterator[Day]:
    """`day` for a write that follows in the block: a day not planned yet (an unsaved one,
    `selectors.unplanned_day`) is planned first, in one transaction with that write, so a
    write refused after it (ValidationError, NotesChangedError) takes the new day back with
    it and a refusal leaves no day behind."""
    with transaction.atomic():
        if day.pk is None:
            day = day_get_or_create(user=day.plan.owner, on=day.date, editor=editor)
        yield day


def _clean_meal_name(day: Day, name: str, *, exclude_pk: int | None = None) -> str:
    # Supplements taken "with Lunch" are matched to their occasion by name, so names are unique.
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the meal a name."})
    clash = day.meals.filter(name__iexact=name).exclude(pk=exclude_pk).exists()
    if clash:
        raise ValidationError({"name": f"There is already a meal called “{name}” on this day."})
    return name


@transaction.atomic
def meal_add(*, day: Day, name: str, editor: User) -> Meal:
    day = Day.objects.select_for_update().get(pk=day.pk)
    if day.meals.count() >= MAX_MEALS_PER_DAY:
        raise ValidationError({"name": f"A day holds at most {MAX_MEALS_PER_DAY} meals."})
    name = _clean_meal_name(day, name)
    meal = Meal(day=day, name=name, position=_next_position(day.meals))
    meal.full_clean()
    meal.save()
    _touch(day, editor=editor)
    return meal


@transaction.atomic
def meal_rename(*, meal: Meal, name: str, editor: User) -> Meal:
    cleaned = _clean_meal_name(meal.day, name, exclude_pk=meal.pk)
    if cleaned == meal.name:
        return meal
    meal.name = cleaned
    meal.full_clean()
    meal.save(update_fields=["name"])
    _touch(meal.day, editor=editor)
    return meal


@transaction.atomic
def meal_move(*, meal: Meal, direction: Literal["up", "down"], editor: User) -> Meal:
    """Swap the meal with its neighbour; the first meal cannot go up nor the last down."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a meal up or down."})
    meals = list(
        Meal.objects.select_for_update().filter(day_id=meal.day_id).order_by("position", "id")
    )
    index = next(i for i, m in enumerate(meals) if m.pk == meal.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(meals):
        meals[index], meals[other] = meals[other], meals[index]
        # Renumber all, so equal positions left by older data cannot make a move a no-op.
        for position, each in enumerate(meals):
            each.position = position
        Meal.objects.bulk_update(meals, ["position"])
        _touch(meal.day, editor=editor)
    return next(m for m in meals if m.pk == meal.pk)


@transaction.atomic
def meal_delete(*, meal: Meal, editor: User) -> Meal:
    """Soft delete, so Undo can restore it: the meal leaves the day with its items and
    recipes; supplements taken with it count as taken on their own until it is restored.
    """
    meal.deleted_at = timezone.now()
    meal.save(update_fields=["deleted_at"])
    _touch(meal.day, editor=editor)
    return meal


def _free_meal_name(day: Day, name: str) -> str:
    """`name`, or "name (2)", "name (3)"… when a meal added since holds it (names are unique)."""
    taken = {each.lower() for each in day.meals.values_list("name", flat=True)}
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: 60 - len(suffix)] + suffix
    return candidate


@transaction.atomic
def meal_restore(*, meal: Meal, editor: User) -> Meal:
    """Bring a deleted meal back where it was, with its items, recipes and the supplements
    taken with it. Raises ValidationError keyed by `name` when the day is full meanwhile."""
    if meal.deleted_at is None:
        return meal
    day = Day.objects.select_for_update().get(pk=meal.day_id)
    if day.meals.count() >= MAX_MEALS_PER_DAY:
        raise ValidationError(
            {"name": f"A day holds at most {MAX_MEALS_PER_DAY} meals: delete one first."}
        )
    meal.name = _free_meal_name(day, meal.name)
    # Its old place: the meals that followed it (moves renumber the live meals) move down one.
    day.meals.filter(position__gte=meal.position).update(position=F("position") + 1)
    meal.deleted_at = None
    meal.save(update_fields=["deleted_at", "name"])
    _touch(day, editor=editor)
    return meal


def _amount(
    *,
    food: Food,
    grams: float | None,
    portion: Portion | None,
    portion_quantity: Decimal | None,
) -> tuple[float, Portion | None, Decimal | None]:
    """Grams from a household measure when one is given, else the grams entered."""
    if portion is not None:
        if portion.food_id != food.pk:
            raise ValidationError({"portion": "That measure belongs to another food."})
        if portion_quantity is None or portion_quantity <= 0:
            raise ValidationError({"portion_quantity": "Enter how many, above 0."})
        grams = float(portion_quantity) * portion.grams
        if grams > MAX_PORTION_GRAMS:
            raise ValidationError(
                {"portion_quantity": f"That is {grams:,.0f} g; at most {MAX_PORTION_GRAMS:,} g."}
            )
        return round(grams, 2), portion, portion_quantity
    if grams is None:
        raise ValidationError({"grams": "Enter the grams, or pick a household measure."})
    if not 0 < grams <= MAX_PORTION_GRAMS:
        raise ValidationError(
            {"grams": f"Enter an amount above 0 and at most {MAX_PORTION_GRAMS:,} g."}
        )
    return float(grams), None, None


def _preparation(food: Food, preparation: str) -> str:
    if preparation not in Preparation.values:
        raise ValidationError({"preparation": "Pick a preparation from the list."})
    # Preparation only changes phytate; on a food without any it would be a false promise.
    if preparation != Preparation.NONE and not food.phytate_mg_per_100g:
        return Preparation.NONE
    return preparation


def _next_position(rows: QuerySet[Any]) -> int:
    """One past the highest `position` of `rows` (0 when there are none): new rows go last."""
    last = rows.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _meal_item_create(
    *,
    meal: Meal,
    food: Food,
    grams: float,
    portion: Portion | None,
    portion_quantity: Decimal | None,
    preparation: str = Preparation.NONE,
    position: int | None = None,
) -> MealItem:
    """Save one item from an amount `_amount` has resolved; last in the meal unless placed."""
    item = MealItem(
        meal=meal,
        food=food,
        grams=grams,
        portion=portion,
        portion_quantity=portion_quantity,
        preparation=preparation,
        position=_next_position(meal.items) if position is None else position,
    )
    _clean_item(item)
    item.save()
    return item


def _clean_item(item: MealItem) -> None:
    """Model validation of an item whose meal, food and measure this request has loaded and
    whose amount `_amount` has checked: Django would query again that the three rows exist
    and run the grams-above-0 constraint as a query in a savepoint (five of an added item's
    round trips), all of which the database's own constraints enforce at the insert anyway."""
    item.full_clean(exclude=["meal", "food", "portion"], validate_constraints=False)


@transaction.atomic
def meal_item_add(
    *,
    meal: Meal,
    food: Food,
    editor: User,
    grams: float | None = None,
    portion: Portion | None = None,
    portion_quantity: Decimal | None = None,
    preparation: str = Preparation.NONE,
) -> MealItem:
    amount_grams, portion, portion_quantity = _amount(
        food=food, grams=grams, portion=portion, portion_quantity=portion_quantity
    )
    item = _meal_item_create(
        meal=meal,
        food=food,
        grams=amount_grams,
        portion=portion,
        portion_quantity=portion_quantity,
        preparation=_preparation(food, preparation),
    )
    _touch(meal.day, editor=editor)
    return item


@transaction.atomic
def meal_item_update(
    *,
    item: MealItem,
    editor: User,
    grams: float | None = None,
    portion: Portion | None = None,
    portion_quantity: Decimal | None = None,
    preparation: str | None = None,
) -> MealItem:
    before = _unchanged_key(item, ITEM_EDITABLE)
    item.grams, item.portion, item.portion_quantity = _amount(
        food=item.food, grams=grams, portion=portion, portion_quantity=portion_quantity
    )
    if preparation is not None:
        item.preparation = _preparation(item.food, preparation)
    _clean_item(item)
    if _unchanged_key(item, ITEM_EDITABLE) == before:
        return item
    item.save(update_fields=["grams", "portion", "portion_quantity", "preparation"])
    _touch(item.meal.day, editor=editor)
    return item


@transaction.atomic
def meal_item_delete(*, item: MealItem, editor: User) -> MealItem:
    """Soft delete, so Undo can restore it."""
    item.deleted_at = timezone.now()
    item.save(update_fields=["deleted_at"])
    _touch(item.meal.day, editor=editor)
    return item


@transaction.atomic
def meal_item_restore(*, item: MealItem, editor: User) -> MealItem:
    if item.deleted_at is None:
        return item
    item.deleted_at = None
    item.save(update_fields=["deleted_at"])
    _touch(item.meal.day, editor=editor)
    return item


@transaction.atomic
def day_notes_update(*, day: Day, notes: str, editor: User, notes_seen: str | None = None) -> Day:
    """Save the day's notes.

    `notes_seen`, the notes as the person's page showed them, replaces the check of the
    day's version: the notes are one text, whose only conflict is another edit of them, so
    a meal added in another tab must not cost what was typed. Stored notes that differ from
    both what was seen and what is sent raise NotesChangedError with the stored text, for
    the person to merge. The version still moves, so other tabs see their own staleness.
    """
    notes = notes.strip()
    # TextField's max_length is only a form hint; the model does not check it.
    if len(notes) > MAX_NOTES_CHARS:
        raise ValidationError({"notes": f"Notes hold at most {MAX_NOTES_CHARS:,} characters."})
    with nullcontext() if notes_seen is None else day_version_waived():
        if notes_seen is not None:
            # Under the row lock, as _touch takes it: two saves of the same notes queue up,
            # and the second compares with what the first stored.
            stored = Day.objects.select_for_update().values_list("notes", flat=True).get(pk=day.pk)
            if not (same_text(stored, notes_seen) or same_text(stored, notes)):
                raise NotesChangedError(stored=stored)
        else:
            stored = day.notes
        day.notes = notes
        if stored == notes:  # saved as it was: nothing to write (see _unchanged_key)
            return day
        day.full_clean(exclude=["plan", "last_edited_by"])
        day.save(update_fields=["notes"])
        _touch(day, editor=editor)
    return day


# ---------------------------------------------------------------- supplements, copies, templates


def _supplement_problems(
    *,
    kind: str,
    form: str,
    amount_mg: float | None,
    amount_basis: str,
    calcium_mg: float,
    vitamin_d_iu: float,
) -> dict[str, list[str]]:
    """What a product needs beyond its field types, with messages for the supplement form."""
    problems: dict[str, list[str]] = {}
    if kind not in SupplementKind.values:
        problems["kind"] = ["Pick magnesium, calcium or vitamin D."]
    elif kind == SupplementKind.MAGNESIUM:
        if form not in SUPPLEMENT_FORMS:
            problems["form"] = ["Pick the magnesium form printed on the label."]
        elif amount_basis == AmountBasis.COMPOUND and (problem := compound_unknown(form)):
            # Without a known compound there is no elemental share to take: counting the
            # compound's weight as magnesium would overstate the dose several times.
            problems["amount_basis"] = [problem]
        if not amount_mg or amount_mg <= 0:
            problems["amount_mg"] = ["Enter the magnesium per tablet as printed on the label."]
    elif kind == SupplementKind.CALCIUM and not calcium_mg:
        problems["calcium_mg"] = ["Enter the calcium per tablet in mg."]
    elif kind == SupplementKind.VITAMIN_D and not vitamin_d_iu:
        problems["vitamin_d_iu"] = ["Enter the vitamin D per tablet in IU."]
    return problems


def _not_on_this_kind(
    *, kind: str, form: str, amount_mg: float | None, calcium_mg: float, vitamin_d_iu: float
) -> dict[str, list[str]]:
    """Amounts given that a product of `kind` does not carry: refused rather than dropped.

    A magnesium tablet may carry calcium (a combined tablet: plans.selectors.day_to_engine
    counts it in the day's calcium); vitamin D is only a vitamin D product's (the day's
    vitamin D note looks at that kind alone); magnesium only a magnesium product's.
    """
    problems: dict[str, list[str]] = {}
    if kind in (SupplementKind.CALCIUM, SupplementKind.VITAMIN_D):
        if form:
            problems["form"] = [
                "Only magnesium has a form here: pick “Magnesium”, or set this back to "
                "“Pick the form on the label”."
            ]
        if amount_mg:
            problems["amount_mg"] = [
                "Magnesium is entered for a magnesium product (a tablet with calcium too is "
                "one): pick “Magnesium”, or clear this."
            ]
    if kind == SupplementKind.VITAMIN_D and calcium_mg:
        problems["calcium_mg"] = [
            "Calcium is counted for a calcium or magnesium tablet: log it as its own "
            "“Calcium tablet”, or clear this."
        ]
    if kind in (SupplementKind.MAGNESIUM, SupplementKind.CALCIUM) and vitamin_d_iu:
        problems["vitamin_d_iu"] = [
            "Vitamin D is logged as a product of its own: log it again as “Vitamin D”, or "
            "clear this."
        ]
    return problems


def _default_product_name(
    *, kind: str, form: str, amount_mg: float | None, basis: str, calcium_mg: float, iu: float
) -> str:
    if kind == SupplementKind.MAGNESIUM:
        label = opening(SUPPLEMENT_FORMS[form].label)
        if basis == AmountBasis.COMPOUND:
            return f"{label} {amount_mg:g} mg"
        return f"{label}, {amount_mg:g} mg elemental"
    if kind == SupplementKind.CALCIUM:
        return f"Calcium {calcium_mg:g} mg"
    return f"Vitamin D {iu:g} IU"


@transaction.atomic
def supplement_product_create(
    *,
    owner: User,
    kind: str,
    name: str = "",
    form: str = "",
    amount_mg: float | None = None,
    amount_basis: str = AmountBasis.ELEMENTAL,
    calcium_mg: float = 0.0,
    vitamin_d_iu: float = 0.0,
    saved: bool = True,
) -> SupplementProduct:
    """A product as its label states it; `saved=False` logs it once without listing it
    under "my supplements" (the dose still needs a product row to point at).

    The same label entered again returns the product already made, so the list shows it once.
    """
    calcium_mg = calcium_mg or 0.0
    vitamin_d_iu = vitamin_d_iu or 0.0
    problems = _supplement_problems(
        kind=kind,
        form=form,
        amount_mg=amount_mg,
        amount_basis=amount_basis,
        calcium_mg=calcium_mg,
        vitamin_d_iu=vitamin_d_iu,
    ) | _not_on_this_kind(
        kind=kind, form=form, amount_mg=amount_mg, calcium_mg=calcium_mg, vitamin_d_iu=vitamin_d_iu
    )
    if kind != SupplementKind.MAGNESIUM:
        # The basis is a choice with a default, not a typed amount: nothing is lost here.
        amount_mg, amount_basis = None, AmountBasis.ELEMENTAL
    if amount_basis not in AmountBasis.values:
        problems["amount_basis"] = ["Say whether the label gives the compound or the magnesium."]
    if problems:
        raise ValidationError(problems)
    name = " ".join(name.split()) or _default_product_name(
        kind=kind,
        form=form,
        amount_mg=amount_mg,
        basis=amount_basis,
        calcium_mg=calcium_mg,
        iu=vitamin_d_iu,
    )
    values = {
        "name": name,
        "kind": kind,
        "form": form,
        "amount_mg": amount_mg,
        "amount_basis": amount_basis,
        "calcium_mg": calcium_mg,
        "vitamin_d_iu": vitamin_d_iu,
    }
    same = (
        SupplementProduct.objects.filter(owner=owner, bioavailability__isnull=True, **values)
        .order_by("archived", "id")
        .first()
    )
    if same is not None:
        if saved and same.archived:
            same.archived = False
            same.save(update_fields=["archived"])
        return same
    product = SupplementProduct(owner=owner, archived=not saved, **values)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def supplement_product_archive(*, product: SupplementProduct) -> SupplementProduct:
    """Take a product off "my supplements"; days that logged it keep their doses."""
    product.archived = True
    product.save(update_fields=["archived"])
    return product


def _dose_time_problems(*, day: Day, meal: Meal | None) -> dict[str, list[str]]:
    if meal is not None and meal.day_id != day.pk:
        return {"meal": ["That meal is on another day."]}
    return {}


@transaction.atomic
def supplement_dose_add(
    *,
    day: Day,
    product: SupplementProduct,
    editor: User,
    quantity: Decimal = Decimal(1),
    meal: Meal | None = None,
    taken_at: time | None = None,
) -> SupplementDose:
    """Log `quantity` units of a product on the day, with a meal or on its own."""
    if product.owner_id != day.plan.owner_id:
        raise ValidationError({"product": "That supplement is not on your list."})
    problems = _dose_time_problems(day=day, meal=meal)
    if problems:
        raise ValidationError(problems)
    dose = SupplementDose(
        day=day,
        product=product,
        quantity=quantity,
        meal=meal,
        taken_at=taken_at,
        position=_next_position(day.supplement_doses),
    )
    dose.full_clean()
    dose.save()
    _touch(day, editor=editor)
    return dose


@transaction.atomic
def supplement_log(
    *,
    day: Day,
    editor: User,
    kind: str,
    name: str = "",
    form: str = "",
    amount_mg: float | None = None,
    amount_basis: str = AmountBasis.ELEMENTAL,
    calcium_mg: float = 0.0,
    vitamin_d_iu: float = 0.0,
    quantity: Decimal = Decimal(1),
    meal: Meal | None = None,
    taken_at: time | None = None,
    save_product: bool = True,
) -> SupplementDose:
    """A new product and its first dose on the day, together or not at all."""
    product = supplement_product_create(
        owner=day.plan.owner,
        kind=kind,
        name=name,
        form=form,
        amount_mg=amount_mg,
        amount_basis=amount_basis,
        calcium_mg=calcium_mg,
        vitamin_d_iu=vitamin_d_iu,
        saved=save_product,
    )
    return supplement_dose_add(
        day=day, product=product, editor=editor, quantity=quantity, meal=meal, taken_at=taken_at
    )


@transaction.atomic
def supplement_dose_update(
    *,
    dose: SupplementDose,
    editor: User,
    quantity: Decimal,
    meal: Meal | None = None,
    taken_at: time | None = None,
    amount_mg: float | None = None,
    amount_basis: str | None = None,
    calcium_mg: float | None = None,
    vitamin_d_iu: float | None = None,
) -> SupplementDose:
    """Change a logged dose: how many, when, and its amount as the label gives it.

    The amount belongs to the product, which other days may log too: a changed amount
    points this dose at the product with that label (made off "my supplements" when new,
    through supplement_product_create and its checks), never rewrites the product.
    An amount left as None keeps the product's.
    """
    day = dose.day
    problems = _dose_time_problems(day=day, meal=meal)
    if problems:
        raise ValidationError(problems)
    product = dose.product
    label = {
        "amount_mg": product.amount_mg if amount_mg is None else amount_mg,
        "amount_basis": product.amount_basis if amount_basis is None else amount_basis,
        "calcium_mg": product.calcium_mg if calcium_mg is None else calcium_mg,
        "vitamin_d_iu": product.vitamin_d_iu if vitamin_d_iu is None else vitamin_d_iu,
    }
    if any(getattr(product, name) != value for name, value in label.items()):
        old_default = _default_product_name(
            kind=product.kind,
            form=product.form,
            amount_mg=product.amount_mg,
            basis=product.amount_basis,
            calcium_mg=product.calcium_mg,
            iu=product.vitamin_d_iu,
        )
        product = supplement_product_create(
            owner=day.plan.owner,
            kind=product.kind,
            # A name made from the old amount would now be wrong: named afresh; one the
            # person chose stays.
            name="" if product.name == old_default else product.name,
            form=product.form,
            saved=False,
            **label,
        )
    before = _unchanged_key(dose, DOSE_EDITABLE)
    dose.product = product
    dose.quantity = quantity
    dose.meal = meal
    dose.taken_at = taken_at
    dose.full_clean()
    if _unchanged_key(dose, DOSE_EDITABLE) == before:
        return dose
    dose.save(update_fields=["product", "quantity", "meal", "taken_at"])
    _touch(day, editor=editor)
    return dose


@transaction.atomic
def supplement_dose_delete(*, dose: SupplementDose, editor: User) -> SupplementDose:
    """Soft delete, so Undo can bring the dose back."""
    dose.deleted_at = timezone.now()
    dose.save(update_fields=["deleted_at"])
    _touch(dose.day, editor=editor)
    return dose


@transaction.atomic
def supplement_dose_restore(*, dose: SupplementDose, editor: User) -> SupplementDose:
    if dose.deleted_at is None:
        return dose
    if dose.meal_id is not None and not Meal.objects.filter(pk=dose.meal_id).exists():
        dose.meal = None  # the meal went meanwhile: the dose comes back taken on its own
    dose.deleted_at = None
    dose.save(update_fields=["deleted_at", "meal"])
    _touch(dose.day, editor=editor)
    return dose


CopyMode = Literal["append", "replace"]
COPY_MODES: tuple[str, ...] = ("append", "replace")


# Food and portion ids a copy uses in place of the source's (`_foods_usable_by`).
FoodSwap = tuple[dict[int, int], dict[int, int]]
NO_SWAP: FoodSwap = ({}, {})


def _foods_usable_by(person: User, rows: Iterable[AmountFields]) -> FoodSwap:
    """For a copy of `rows` that `person` owns: their own copy of each custom food of someone
    else's in them (`custom_foods_for`, which reuses a copy made before).

    Custom foods are private to their owner: a plan or template of `person` naming another
    person's would show `person` a food that is hidden from them (a 404 on its page) and keep
    its owner from ever deleting it (items PROTECT their food). Recipes are copied for the
    same reason (`_recipes_usable_by`). The rows come with their food (select_related), so
    this costs no query unless such a food is there.
    """
    from plans.recipe_services import custom_foods_for

    foreign = [row.food for row in rows if row.food.owner_id not in (None, person.pk)]
    if not foreign:
        return NO_SWAP
    return custom_foods_for(owner=person, foods=foreign)


def _amount_copy(row: AmountFields, swap: FoodSwap = NO_SWAP) -> dict[str, Any]:
    """A saved row's food, amount, measure and preparation, for a copy of it: copies of rows
    that passed full_clean when saved, so they are inserted without cleaning again. `swap`
    puts the copy's owner's own custom foods (and their measures) in place of another's.
    """
    food_for, portion_for = swap
    return {
        "food_id": food_for.get(row.food_id, row.food_id),
        "grams": row.grams,
        "portion_id": portion_for.get(row.portion_id, row.portion_id),
        "portion_quantity": row.portion_quantity,
        "preparation": row.preparation,
    }


def _last_positions(
    model: type[MealItem] | type[MealRecipe], meals: Sequence[Meal]
) -> dict[int, int]:
    """The highest `position` of `model` rows in each of `meals`, in one query."""
    rows = (
        model.objects.filter(meal__in=meals)
        .order_by()
        .values("meal")
        .annotate(last=Max("position"))
        .values_list("meal", "last")
    )
    return dict(rows)


FoodCopy = tuple[Meal, Sequence[AmountFields], Sequence[MealRecipe | MealTemplateRecipe]]


def _copy_food(copies: Sequence[FoodCopy], swap: FoodSwap = NO_SWAP) -> list[MealItem]:
    """Items and recipes (same amounts and servings) into each meal, after the meal's own;
    the items eat the foods `swap` (`_foods_usable_by` the meals' owner) gives in place of
    theirs.

    Four queries however many meals (fewer when there are no items or no recipes): a day
    copy onto a month of days stays cheap. Each meal appears once in `copies`.
    """
    meals = [into for into, _, _ in copies]
    has_items = any(rows for _, rows, _ in copies)
    has_recipes = any(recipe_rows for _, _, recipe_rows in copies)
    last_item = _last_positions(MealItem, meals) if has_items else {}
    last_recipe = _last_positions(MealRecipe, meals) if has_recipes else {}
    items = [
        MealItem(
            meal=into,
            position=last_item.get(into.pk, -1) + 1 + offset,
            **_amount_copy(item, swap),
        )
        for into, rows, _ in copies
        for offset, item in enumerate(rows)
    ]
    uses = [
        MealRecipe(
            meal=into,
            recipe_id=used.recipe_id,
            servings=used.servings,
            grams=used.grams,
            position=last_recipe.get(into.pk, -1) + 1 + offset,
        )
        for into, _, recipe_rows in copies
        for offset, used in enumerate(recipe_rows)
    ]
    MealRecipe.objects.bulk_create(uses)
    return MealItem.objects.bulk_create(items)


def _meals_to_copy(day: Day) -> list[Meal]:
    """The day's meals in order, each with its live items (`copy_items`, with their food)
    and recipes (`copy_recipes`): what a day copy or a day template takes. Three queries."""
    return list(
        day.meals.order_by("position", "id").prefetch_related(
            Prefetch(
                "items",
                queryset=MealItem.objects.filter(deleted_at__isnull=True)
                .select_related("food")
                .order_by("position", "id"),
                to_attr="copy_items",
            ),
            Prefetch(
                "recipes",
                queryset=MealRecipe.objects.filter(deleted_at__isnull=True).order_by(
                    "position", "id"
                ),
                to_attr="copy_recipes",
            ),
        )
    )


def _target_meal(day: Day, name: str, existing: dict[str, Meal]) -> Meal:
    """The day's meal called `name` (names are unique per day, ignoring case), or a new one."""
    meal = existing.get(name.lower())
    if meal is None:
        meal = Meal.objects.create(day=day, name=name, position=_next_position(day.meals))
        existing[name.lower()] = meal
    return meal


def _runs(days: list[date]) -> list[list[date]]:
    """Sorted days split where a day is missing: [1, 2, 3, 5] → [[1, 2, 3], [5]]."""
    runs: list[list[date]] = []
    for on in days:
        if runs and on - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(on)
        else:
            runs.append([on])
    return runs


def _days_said(run: list[date]) -> str:
    if len(run) == 1:
        return f"{run[0]:%a %-d %b %Y}"
    return f"{run[0]:%a %-d %b %Y} to {run[-1]:%a %-d %b %Y}"


@transaction.atomic
def day_copy(*, source: Day, dates: list[date], mode: str, editor: User) -> list[Day]:
    """Copy a day's meals, items, recipes and supplements onto other days of the same plan.

    `replace` empties each target day first (its notes become the source's); `append`
    adds into the meals of the same name, creating the meals the target lacks.
    Raises ValidationError keyed by `dates` or `mode`; nothing is written then.
    """
    problems: dict[str, list[str]] = {}
    if mode not in COPY_MODES:
        problems["mode"] = ["Choose whether the copy replaces the day or adds to it."]
    targets = sorted(set(dates))
    if not targets:
        problems["dates"] = ["Choose at least one day to copy to."]
    elif source.date in targets:
        problems["dates"] = [
            f"A day cannot be copied onto itself: untick {source.date:%a %-d %b}, or choose a "
            "range that starts after it or ends before it."
        ]
    elif len(targets) > MAX_COPY_TARGETS:
        problems["dates"] = [f"Copy to at most {MAX_COPY_TARGETS} days at a time."]
    owner = source.plan.owner
    profile = profile_for(user=owner)
    refused: dict[str, list[date]] = {}
    for on in targets:
        problem = day_date_error(profile=profile, on=on, viewer=editor)
        if problem:
            refused.setdefault(problem, []).append(on)
    for problem, days in refused.items():
        # A range past the plan's end is one message, not one per day.
        problems.setdefault("dates", []).extend(
            f"{_days_said(run)}: {problem}" for run in _runs(days)
        )
    if problems:
        raise ValidationError(problems)
    # The copy page showed the source as it was: copying a source changed since is refused.
    day_version_check(day_pk=source.pk)

    meals = _meals_to_copy(source)
    swap = _foods_usable_by(owner, [item for meal in meals for item in meal.copy_items])
    doses = list(source.supplement_doses.filter(deleted_at__isnull=True).order_by("position", "id"))
    copies = []
    for on in targets:
        target = day_get_or_create(user=owner, on=on, editor=editor)
        target = Day.objects.select_for_update().get(pk=target.pk)
        if mode == "replace":
            target.supplement_doses.all().delete()
            target.meals.all().delete()
            target.notes = source.notes
            target.save(update_fields=["notes"])
        existing = {meal.name.lower(): meal for meal in target.meals.all()}
        meal_for = {meal.pk: _target_meal(target, meal.name, existing) for meal in meals}
        _copy_food(
            [(meal_for[meal.pk], meal.copy_items, meal.copy_recipes) for meal in meals], swap
        )
        start = _next_position(target.supplement_doses)
        SupplementDose.objects.bulk_create(
            SupplementDose(
                day=target,
                product_id=dose.product_id,
                quantity=dose.quantity,
                meal=meal_for.get(dose.meal_id) if dose.meal_id else None,
                taken_at=dose.taken_at,
                position=start + offset,
            )
            for offset, dose in enumerate(doses)
        )
        _touch(target, editor=editor, log_access=False)
        copies.append(target)
    access_change_record(editor=editor, client_id=owner.pk)
    return copies


@transaction.atomic
def meal_copy(*, meal: Meal, on: date, meal_name: str, editor: User) -> Meal:
    """Add a meal's items and recipes to the meal called `meal_name` on `on` (created when
    missing).

    Supplements taken with the meal stay where they are: copying a meal copies food.
    """
    owner = meal.day.plan.owner
    problem = day_date_error(profile=profile_for(user=owner), on=on, viewer=editor)
    if problem:
        raise ValidationError({"date": problem})
    name = " ".join(meal_name.split())
    if not name:
        raise ValidationError({"meal_name": "Name the meal to copy into."})
    if on == meal.day.date and name.lower() == meal.name.lower():
        raise ValidationError(
            {"meal_name": "Pick another meal or another day: this is the same meal."}
        )
    day_version_check(day_pk=meal.day_id)
    items = list(
        meal.items.filter(deleted_at__isnull=True).select_related("food").order_by("position", "id")
    )
    uses = list(meal.recipes.filter(deleted_at__isnull=True).order_by("position", "id"))
    if not items and not uses:
        raise ValidationError({"meal_name": f"{meal.name} has no food to copy."})
    target_day = day_get_or_create(user=owner, on=on, editor=editor)
    existing = {each.name.lower(): each for each in target_day.meals.all()}
    if name.lower() not in existing and target_day.meals.count() >= MAX_MEALS_PER_DAY:
        raise ValidationError({"meal_name": f"A day holds at most {MAX_MEALS_PER_DAY} meals."})
    into = _target_meal(target_day, name, existing)
    _copy_food([(into, items, uses)], _foods_usable_by(owner, items))
    _touch(target_day, editor=editor)
    return into


MAX_TEMPLATE_NAME_CHARS = 120


@transaction.atomic
def meal_template_create(
    *, meal: Meal, name: str, owner: User, editor: User | None = None
) -> MealTemplate:
    """Save the meal's food and recipes (not its supplements) under a name, to insert into
    other meals. `editor` is who saved it: a dietitian saving a client's meal for the client.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if len(name) > MAX_TEMPLATE_NAME_CHARS:
        raise ValidationError({"name": f"At most {MAX_TEMPLATE_NAME_CHARS} characters."})
    if MealTemplate.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a template called “{name}”."})
    items = list(
        meal.items.filter(deleted_at__isnull=True).select_related("food").order_by("position", "id")
    )
    uses = list(meal.recipes.filter(deleted_at__isnull=True).order_by("position", "id"))
    if not items and not uses:
        raise ValidationError({"name": f"{meal.name} has no food to save."})
    template = MealTemplate(owner=owner, name=name)
    template.full_clean()
    template.save()
    swap = _foods_usable_by(owner, items)
    MealTemplateItem.objects.bulk_create(
        MealTemplateItem(template=template, position=position, **_amount_copy(item, swap))
        for position, item in enumerate(items)
    )
    MealTemplateRecipe.objects.bulk_create(
        MealTemplateRecipe(
            template=template,
            recipe_id=used.recipe_id,
            servings=used.servings,
            grams=used.grams,
            position=position,
        )
        for position, used in enumerate(uses)
    )
    access_change_record(editor=editor, client_id=owner.pk)
    return template


@transaction.atomic
def meal_template_insert(*, template: MealTemplate, meal: Meal, editor: User) -> list[MealItem]:
    """Add the template's foods and recipes to the end of the meal."""
    if template.owner_id != meal.day.plan.owner_id:
        raise ValidationError({"template": "That template is not yours."})
    owner = meal.day.plan.owner
    items = list(template.items.select_related("food").order_by("position", "id"))
    # A recipe shared by someone no longer linked is not theirs to use any more.
    visible = Recipe.objects.visible_to(owner)
    uses = list(template.recipes.filter(recipe__in=visible).order_by("position", "id"))
    copies = _copy_food([(meal, items, uses)], _foods_usable_by(owner, items))
    _touch(meal.day, editor=editor)
    return copies


@transaction.atomic
def meal_template_delete(*, template: MealTemplate) -> None:
    template.delete()


# ---------------------------------------------------------------- dietitian notes


def _linked_dietitian_problem(dietitian: User, client: User) -> str | None:
    from accounts.selectors import is_linked

    if not dietitian.is_dietitian or not is_linked(dietitian, client):
        return "Only a linked dietitian leaves notes on this plan."
    return None


@transaction.atomic
def day_note_add(*, day: Day, author: User, visibility: str, text: str) -> DayNote:
    """A dietitian's note on a client's day; `shared` ones are shown to the client.

    Raises ValidationError keyed by `text` / `visibility`, or without a key when the
    author is not linked to the day's owner.
    """
    problem = _linked_dietitian_problem(author, day.plan.owner)
    if problem:
        raise ValidationError(problem)
    text = text.strip()
    problems: dict[str, list[str]] = {}
    if not text:
        problems["text"] = ["Write the note."]
    elif len(text) > MAX_DAY_NOTE_CHARS:
        problems["text"] = [f"At most {MAX_DAY_NOTE_CHARS} characters ({len(text)} now)."]
    if visibility not in NoteVisibility.values:
        problems["visibility"] = ["Choose private or shared with the client."]
    if problems:
        raise ValidationError(problems)
    note = DayNote(day=day, author=author, visibility=visibility, text=text)
    note.full_clean()
    note.save()
    if visibility == NoteVisibility.SHARED:
        # A private note is the dietitian's working note: not the client's to read, so
        # not in their access log either (it changes nothing of their plan).
        access_change_record(
            editor=author, client_id=day.plan.owner_id, detail=f"a note on {day.date:%a %-d %b %Y}"
        )
    return note


@transaction.atomic
def day_note_add_on(*, owner: User, on: date, author: User, visibility: str, text: str) -> DayNote:
    """`day_note_add` on `owner`'s day `on`, which is planned first when it is not yet.

    One transaction: a note refused (or a date outside the plan) leaves no day behind.
    """
    day = day_get_or_create(user=owner, on=on, editor=author)
    return day_note_add(day=day, author=author, visibility=visibility, text=text)


@transaction.atomic
def day_note_delete(*, note: DayNote, author: User) -> None:
    """Only the note's author deletes it (a shared note is theirs, not the client's), and
    only on a day the planner takes, as it is added (`day_date_check`): a date of birth
    corrected later can leave a noted day before the first birthday."""
    if note.author_id != author.pk:
        raise ValidationError("Only the note's author deletes it.")
    day = note.day
    day_date_check(user=day.plan.owner, on=day.date, editor=author)
    shared = note.visibility == NoteVisibility.SHARED
    note.delete()
    if shared:  # as `day_note_add`: a private note never shows in the client's log
        access_change_record(
            editor=author,
            client_id=day.plan.owner_id,
            detail=f"deleted a note on {day.date:%a %-d %b %Y}",
        )


# ---------------------------------------------------------------- day and week templates

ASSIGN_MODES: tuple[str, ...] = COPY_MODES
WEEK_TEMPLATE_DAYS = 7


def _week_from(start: date, *, field: str) -> list[date]:
    """The seven days of a week template from `start`; a week that would run past the
    calendar's last day (31 Dec 9999) is refused at `field`, not a 500."""
    try:
        return [start + timedelta(days=offset) for offset in range(WEEK_TEMPLATE_DAYS)]
    except OverflowError:
        raise ValidationError(
            {field: "A week from that day runs past the calendar's end."}
        ) from None


def _template_name(name: str, owner: User) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if len(name) > MAX_TEMPLATE_NAME_CHARS:
        raise ValidationError({"name": f"At most {MAX_TEMPLATE_NAME_CHARS} characters."})
    taken = DayTemplate.objects.filter(owner=owner, week__isnull=True, name__iexact=name).exists()
    if taken or WeekTemplate.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a template called “{name}”."})
    return name


def _save_day_items(source: Day, template: DayTemplate) -> int:
    """The day's live foods and recipes into the template (deleted meals, items and
    recipes stay behind); returns how many rows it saved.

    Only recipes the template's author may open are saved: a client's private recipe
    (not shared with their dietitian) stays in the client's plan, never in a template that
    may be applied to other clients.

    A custom food of someone else's (the client's, saved by their dietitian) is saved as the
    template owner's own copy (`_foods_usable_by`): the template never names a food the
    client alone may see, which would then travel to other clients and keep the client from
    deleting it."""
    meals = _meals_to_copy(source)
    swap = _foods_usable_by(template.owner, [item for meal in meals for item in meal.copy_items])
    rows = [
        DayTemplateItem(
            template=template,
            meal_name=meal.name,
            meal_position=meal_position,
            position=position,
            **_amount_copy(item, swap),
        )
        for meal_position, meal in enumerate(meals)
        for position, item in enumerate(meal.copy_items)
    ]
    DayTemplateItem.objects.bulk_create(rows)
    used_ids = {used.recipe_id for meal in meals for used in meal.copy_recipes}
    openable = set(
        Recipe.objects.visible_to(template.owner)
        .filter(pk__in=used_ids)
        .values_list("pk", flat=True)
    )
    uses = [
        DayTemplateRecipe(
            template=template,
            recipe_id=used.recipe_id,
            servings=used.servings,
            grams=used.grams,
            meal_name=meal.name,
            meal_position=meal_position,
            position=position,
        )
        for meal_position, meal in enumerate(meals)
        for position, used in enumerate(meal.copy_recipes)
        if used.recipe_id in openable
    ]
    DayTemplateRecipe.objects.bulk_create(uses)
    return len(rows) + len(uses)


def _template_saved_record(*, owner: User, client_id: int, what: str) -> None:
    # Saving a client's day as the dietitian's template reads the client's plan: a "view".
    # Said by the days, not by the name the dietitian gave it (as `template_assign`).
    access_change_record(
        editor=owner,
        client_id=client_id,
        action=AccessAction.VIEW,
        detail=f"saved {what} as a template",
    )


@transaction.atomic
def day_template_save(*, source: Day, name: str, owner: User) -> DayTemplate:
    """Save a day's meals, foods and recipes (not its supplements: products belong to one
    person). The recipes are named as they are (often the client's own); `template_assign`
    decides what a person who cannot see one gets."""
    name = _template_name(name, owner)
    template = DayTemplate(owner=owner, name=name)
    template.full_clean()
    template.save()
    if not _save_day_items(source, template):
        raise ValidationError({"on": f"{source.date:%a %-d %b} has no food to save."})
    _template_saved_record(
        owner=owner, client_id=source.plan.owner_id, what=f"your day of {source.date:%a %-d %b %Y}"
    )
    return template


@transaction.atomic
def week_template_save(*, plan: Plan, week_start: date, name: str, owner: User) -> WeekTemplate:
    """Save seven days from `week_start` of `plan`; days without food stay empty in it."""
    dates = _week_from(week_start, field="on")
    name = _template_name(name, owner)
    week = WeekTemplate(owner=owner, name=name)
    week.full_clean()
    week.save()
    by_date = {day.date: day for day in plan.days.filter(date__range=(dates[0], dates[-1]))}
    saved = 0
    for offset, on in enumerate(dates):
        day_template = DayTemplate.objects.create(
            owner=owner, name=f"{name}, day {offset + 1}", week=week, offset=offset
        )
        if on in by_date:
            saved += _save_day_items(by_date[on], day_template)
    if not saved:
        raise ValidationError({"on": f"The week of {week_start:%-d %b} has no food to save."})
    _template_saved_record(
        owner=owner, client_id=plan.owner_id, what=f"your week of {week_start:%a %-d %b %Y}"
    )
    return week


TemplateRecipeLay = tuple[Meal, DayTemplateRecipe]


def _lay_day(
    *,
    owner: User,
    on: date,
    mode: str,
    editor: User,
    items: Sequence[DayTemplateItem] = (),
    uses: Sequence[DayTemplateRecipe] = (),
    swap: FoodSwap = NO_SWAP,
) -> tuple[Day, list[TemplateRecipeLay]]:
    """Lay a day template's `items` (in order) onto the day, eating the foods `swap` gives;
    returns the day and the meal each of `uses` (its recipes) goes into, for
    `template_assign` to insert all days' at once."""
    target = day_get_or_create(user=owner, on=on, editor=editor)
    target = Day.objects.select_for_update().get(pk=target.pk)
    if mode == "replace":
        target.supplement_doses.all().delete()
        target.meals.all().delete()
    existing = {meal.name.lower(): meal for meal in target.meals.all()}
    # Meals in the template's order, whether they hold foods, recipes or both.
    order = sorted(
        {(row.meal_position, row.meal_name) for row in [*items, *uses]}, key=lambda key: key[0]
    )
    by_meal: dict[str, list[DayTemplateItem]] = {name: [] for _, name in order}
    for item in items:
        by_meal[item.meal_name].append(item)
    meal_for = {name: _target_meal(target, name, existing) for name in by_meal}
    _copy_food([(meal_for[name], meal_items, ()) for name, meal_items in by_meal.items()], swap)
    _touch(target, editor=editor, log_access=False)
    return target, [(meal_for[used.meal_name], used) for used in uses]


def _recipe_signature(recipe: Recipe, swap: FoodSwap = NO_SWAP) -> tuple[Any, ...]:
    """What a recipe is; `swap` reads its custom foods as the copies a person would get."""
    food_for, portion_for = swap
    lines = tuple(
        sorted(
            (
                food_for.get(line.food_id, line.food_id),
                line.grams,
                portion_for.get(line.portion_id, line.portion_id),
                line.portion_quantity,
                line.preparation,
            )
            for line in recipe.ingredients.all()
        )
    )
    return (recipe.name, recipe.servings, recipe.cooked_weight_grams, recipe.steps, lines)


def _recipes_usable_by(person: User, recipe_ids: set[int], *, editor: User) -> dict[int, int]:
    """For each recipe, the one `person`'s meals use: itself when they can see it (their
    own, or shared by someone linked to them), else a recipe of their own with the same
    name, servings, steps and ingredients (a copy an earlier assignment made), else a new
    copy (`recipe_duplicate`, which also copies custom foods they cannot see).

    Copying, not skipping: the dietitian planned that dish for the day, and a template
    that quietly drops it would not be the day they saved. The copy is the person's own,
    so nothing in their plan points at a recipe they may not open. Only a recipe `editor`
    may open is copied (templates save no others; un-sharing gives the template its own
    copy, so only one whose owner's link has ended since is left out), so no one's private
    recipe reaches another person. Two queries for the visible ones; a copy
    costs a few more, once per recipe whatever the days using it.
    """
    from plans.recipe_services import recipe_duplicate

    if not recipe_ids:
        return {}
    usable = {
        pk: pk
        for pk in Recipe.objects.visible_to(person)
        .filter(pk__in=recipe_ids)
        .values_list("pk", flat=True)
    }
    missing = recipe_ids - usable.keys()
    if missing:
        foreign = list(
            Recipe.objects.visible_to(editor)
            .filter(pk__in=missing)
            .prefetch_related(
                Prefetch("ingredients", queryset=RecipeIngredient.objects.select_related("food"))
            )
        )
        # A copy would name the person's own copies of the sharer's custom foods (made here,
        # or found from an earlier assignment), so the earlier recipe copy is found through them.
        swap = _foods_usable_by(
            person, [line for recipe in foreign for line in recipe.ingredients.all()]
        )
        own = {
            _recipe_signature(recipe): recipe.pk
            for recipe in Recipe.objects.filter(
                owner=person, name__in={recipe.name for recipe in foreign}
            )
            .prefetch_related("ingredients")
            .order_by("-id")
        }
        for recipe in foreign:
            same = own.get(_recipe_signature(recipe, swap))
            usable[recipe.pk] = same or recipe_duplicate(recipe=recipe, owner=person).pk
    return usable


def _lay_recipes(laid: Sequence[TemplateRecipeLay], usable: dict[int, int]) -> None:
    """Every laid day's recipes, as the client may use them, in one insert (`_copy_food`)."""
    by_meal: dict[int, tuple[Meal, list[MealRecipe]]] = {}
    for meal, used in laid:
        if used.recipe_id in usable:
            row = MealRecipe(
                recipe_id=usable[used.recipe_id], servings=used.servings, grams=used.grams
            )
            by_meal.setdefault(meal.pk, (meal, []))[1].append(row)
    _copy_food([(meal, (), rows) for meal, rows in by_meal.values()])


@transaction.atomic
def template_assign(
    *,
    template: DayTemplate | WeekTemplate,
    client: User,
    start: date,
    mode: str,
    editor: User,
) -> list[Day]:
    """Copy a day template onto `start`, or a week template onto the seven days from it.

    `append` adds into the meals of the same name; `replace` empties each day first.
    Recipes go into their meals too: a recipe the client cannot see is replaced by their
    own copy of it (see `_recipes_usable_by`), and so is another person's custom food
    (`_foods_usable_by`). The days record `editor` (the dietitian) as
    their last editor. Raises ValidationError keyed by `start` / `mode`, or without a key
    when `editor` may not edit `client`'s plan; nothing is written (or copied) then.
    """
    from accounts.selectors import link_get_for

    if editor.pk != client.pk:
        link = link_get_for(dietitian=editor, client=client) if editor.is_dietitian else None
        if link is None or not link.can_edit_plans:
            raise ValidationError("Only a linked dietitian who may edit plans assigns templates.")
    if template.owner_id != editor.pk:
        raise ValidationError("That template is not yours.")
    problems: dict[str, list[str]] = {}
    if mode not in ASSIGN_MODES:
        problems["mode"] = ["Choose whether the template replaces the days or adds to them."]
    if isinstance(template, WeekTemplate):
        # An empty day of the week template leaves the client's day as it is.
        days = {
            day.offset: day
            for day in template.days.filter(
                Q(items__isnull=False) | Q(recipes__isnull=False)
            ).distinct()
        }
        plan = [
            (on, days.get(offset)) for offset, on in enumerate(_week_from(start, field="start"))
        ]
    else:
        plan = [(start, template)]
    profile = profile_for(user=client)
    for on, _ in plan:
        problem = day_date_error(profile=profile, on=on, viewer=editor)
        if problem:
            problems.setdefault("start", []).append(f"{on:%a %-d %b %Y}: {problem}")
    if problems:
        raise ValidationError(problems)
    day_templates = [day_template for _, day_template in plan if day_template is not None]
    # One query for every day's foods (with the food, for `_foods_usable_by`): the client's
    # own copy of another person's custom food is found or made once for the whole week.
    items: dict[int, list[DayTemplateItem]] = {}
    for item in (
        DayTemplateItem.objects.filter(template__in=day_templates)
        .select_related("food")
        .order_by("meal_position", "position", "id")
    ):
        items.setdefault(item.template_id, []).append(item)
    swap = _foods_usable_by(client, [item for rows in items.values() for item in rows])
    # One query for every day's recipes, one insert for them all (after the foods).
    uses: dict[int, list[DayTemplateRecipe]] = {}
    for used in DayTemplateRecipe.objects.filter(template__in=day_templates).order_by(
        "meal_position", "position", "id"
    ):
        uses.setdefault(used.template_id, []).append(used)
    laid = []
    recipes_laid: list[TemplateRecipeLay] = []
    for on, day_template in plan:
        if day_template is None:
            continue
        day, day_recipes = _lay_day(
            owner=client,
            on=on,
            mode=mode,
            editor=editor,
            items=items.get(day_template.pk, ()),
            uses=uses.get(day_template.pk, ()),
            swap=swap,
        )
        laid.append(day)
        recipes_laid.extend(day_recipes)
    if recipes_laid:
        usable = _recipes_usable_by(
            client, {used.recipe_id for _, used in recipes_laid}, editor=editor
        )
        _lay_recipes(recipes_laid, usable)
    access_change_record(
        editor=editor,
        client_id=client.pk,
        # Not the template's name: the dietitian named it, perhaps after another client.
        detail=(
            f"a template copied into your plan from {start:%a %-d %b %Y}"
            f" ({len(laid)} day{'' if len(laid) == 1 else 's'})"
        ),
    )
    return laid


@transaction.atomic
def day_template_delete(*, template: DayTemplate | WeekTemplate, owner: User) -> None:
    if template.owner_id != owner.pk:
        raise ValidationError("That template is not yours.")
    template.delete()


@transaction.atomic
def custom_food_uses_repair() -> list[int]:
    """Point every meal item and template item that names someone else's custom food at its
    owner's own copy (`_foods_usable_by`); returns the ids of the people whose rows changed.

    For rows written before templates copied custom foods (a dietitian's day template laid
    a client's food into other clients' plans): they showed people a food hidden from them
    and kept its owner from deleting it. Each person gets one copy per food; the amounts,
    measures and scores stay as they were. Deleted items are repaired too, since they also
    hold on to the food until Undo expires.
    """
    owner_paths: tuple[tuple[type[AmountFields], str], ...] = (
        (MealItem, "meal__day__plan__owner"),
        (MealTemplateItem, "template__owner"),
        (DayTemplateItem, "template__owner"),
    )
    found: list[tuple[type[AmountFields], list[Any]]] = []
    owner_ids: set[int] = set()
    for model, path in owner_paths:
        rows = list(
            model._default_manager.filter(food__owner__isnull=False)
            .exclude(food__owner=F(path))
            .select_related("food")
            .annotate(row_owner=F(path))
        )
        found.append((model, rows))
        owner_ids.update(row.row_owner for row in rows)
    people = User.objects.in_bulk(owner_ids)
    for model, rows in found:
        by_owner: dict[int, list[Any]] = {}
        for row in rows:
            by_owner.setdefault(row.row_owner, []).append(row)
        for owner_id, owned in by_owner.items():
            food_for, portion_for = _foods_usable_by(people[owner_id], owned)
            for row in owned:
                row.food_id = food_for[row.food_id]
                row.portion_id = portion_for.get(row.portion_id, row.portion_id)
        model._default_manager.bulk_update(rows, ["food", "portion"])
    return sorted(owner_ids)


# ---------------------------------------------------------------- suggestions and fill my day

# What undoing an applied suggestion does, step by step (JSON-able, carried in a signed token):
# ["remove_item", pk] deletes an item the suggestion added (it never existed before);
# ["restore_item", pk] brings back the item a replacement soft-deleted;
# ["preparation", pk, previous] puts an item's preparation back;
# ["dose_quantity", pk, "1.00"] puts a halved dose back; ["remove_dose", pk] deletes its other half.
UndoStep = list[str | int]


def _added_item(*, meal: Meal, food: Food, grams: float, position: int | None) -> MealItem:
    portion = portion_for(food=food, grams=grams)
    amount_grams, portion, quantity = _amount(
        food=food,
        grams=None if portion else grams,
        portion=portion,
        portion_quantity=Decimal(1) if portion else None,
    )
    return _meal_item_create(
        meal=meal,
        food=food,
        grams=amount_grams,
        portion=portion,
        portion_quantity=quantity,
        position=position,
    )


def _halve(quantity: Decimal) -> Decimal:
    half = (quantity / 2).quantize(Decimal("0.01"))
    if half * 2 != quantity or half < Decimal("0.25"):
        raise ValidationError(
            {"dose": f"{quantity.normalize():f} tablets cannot be split into two equal doses."}
        )
    return half


@transaction.atomic
def suggestion_apply(
    *,
    day: Day,
    kind: str,
    editor: User,
    meal: Meal | None = None,
    food: Food | None = None,
    grams: float | None = None,
    item: MealItem | None = None,
    preparation: str | None = None,
    doses: Sequence[SupplementDose] = (),
    move: bool = False,
) -> list[UndoStep]:
    """Apply one suggestion to the day; returns the steps that undo it exactly.

    add: `food` at `grams` into `meal`; replace: `item` soft-deleted and `food` at `grams`
    in its place; prepare: `item`'s preparation; split: each of `doses` halved, the other
    half taken on its own (another occasion), or with `move` (kind 4's other half, "move
    or split") each of `doses` taken on its own whole, away from its meal, at no time.
    """
    day = Day.objects.select_for_update().get(pk=day.pk)
    undo: list[UndoStep] = []
    if kind == "add":
        if meal is None or food is None or grams is None or meal.day_id != day.pk:
            raise ValidationError("That suggestion no longer fits this day.")
        added = _added_item(meal=meal, food=food, grams=grams, position=None)
        undo.append(["remove_item", added.pk])
    elif kind == "replace":
        if item is None or food is None or item.deleted_at is not None:
            raise ValidationError("The item to replace is no longer on this day.")
        if item.meal.day_id != day.pk:
            raise ValidationError("The item to replace is on another day.")
        item.deleted_at = timezone.now()
        item.save(update_fields=["deleted_at"])
        added = _added_item(
            meal=item.meal, food=food, grams=grams or item.grams, position=item.position
        )
        # Restore first, remove after: the undo runs the steps in reverse.
        undo += [["restore_item", item.pk], ["remove_item", added.pk]]
    elif kind == "prepare":
        if item is None or item.deleted_at is not None or item.meal.day_id != day.pk:
            raise ValidationError("The item to prepare is no longer on this day.")
        previous = item.preparation
        item.preparation = _preparation(item.food, preparation or Preparation.NONE)
        if item.preparation == previous:
            raise ValidationError("That item is already prepared that way.")
        item.full_clean()
        item.save(update_fields=["preparation"])
        undo.append(["preparation", item.pk, previous])
    elif kind == "split":
        if not doses or any(d.day_id != day.pk or d.deleted_at is not None for d in doses):
            raise ValidationError("That supplement dose is no longer on this day.")
        undo += _doses_moved(doses) if move else _doses_split(day, doses)
    else:
        raise ValidationError(f"Unknown suggestion kind {kind!r}.")
    _touch(day, editor=editor)
    return undo


def _doses_moved(doses: Sequence[SupplementDose]) -> list[UndoStep]:
    """Each dose taken on its own, whole, at no time; the steps put its meal and time back."""
    undo: list[UndoStep] = []
    for dose in doses:
        taken_at = dose.taken_at.isoformat() if dose.taken_at else None
        undo.append(["dose_meal", dose.pk, dose.meal_id, taken_at])
        dose.meal, dose.taken_at = None, None
        dose.save(update_fields=["meal", "taken_at"])
    return undo


def _doses_split(day: Day, doses: Sequence[SupplementDose]) -> list[UndoStep]:
    """Each dose halved, the other half a dose of its own taken on its own."""
    undo: list[UndoStep] = []
    last = day.supplement_doses.aggregate(last=Max("position"))["last"] or 0
    for offset, dose in enumerate(doses, start=1):
        original = dose.quantity
        dose.quantity = _halve(original)
        dose.full_clean()
        dose.save(update_fields=["quantity"])
        other = SupplementDose(
            day=day,
            product=dose.product,
            quantity=dose.quantity,
            meal=None,
            taken_at=None,
            position=last + offset,
        )
        other.full_clean()
        other.save()
        undo += [["dose_quantity", dose.pk, f"{original:f}"], ["remove_dose", other.pk]]
    return undo


@transaction.atomic
def suggestion_undo(*, day: Day, steps: Sequence[UndoStep], editor: User) -> None:
    """Run the undo steps of `suggestion_apply` (in reverse), only on rows of this day."""
    day = Day.objects.select_for_update().get(pk=day.pk)
    items = MealItem.objects.filter(meal__day=day)
    doses = SupplementDose.objects.filter(day=day)
    for step in reversed(steps):
        action, pk = step[0], step[1]
        if action == "remove_item":
            items.filter(pk=pk).delete()
        elif action == "restore_item":
            items.filter(pk=pk).update(deleted_at=None)
        elif action == "preparation" and step[2] in Preparation.values:
            items.filter(pk=pk).update(preparation=step[2])
        elif action == "dose_quantity":
            doses.filter(pk=pk).update(quantity=Decimal(str(step[2])))
        elif action == "remove_dose":
            doses.filter(pk=pk).delete()
        elif action == "dose_meal":
            # A moved dose goes back to its meal, if the meal is still on this day.
            if not Meal.objects.filter(pk=step[2], day=day, deleted_at__isnull=True).exists():
                raise ValidationError("The meal the dose was taken with is gone.")
            taken_at = time.fromisoformat(step[3]) if step[3] else None
            doses.filter(pk=pk).update(meal_id=step[2], taken_at=taken_at)
        else:
            raise ValidationError("That undo is not understood.")
    _touch(day, editor=editor)


@transaction.atomic
def fill_accept(
    *, day: Day, additions: Sequence[tuple[Meal, Food, Portion | None, int, float]], editor: User
) -> list[MealItem]:
    """Add a fill-my-day proposal: (meal, food, portion or None, portions, grams each)."""
    day = Day.objects.select_for_update().get(pk=day.pk)
    added = []
    for meal, food, portion, count, grams in additions:
        if meal.day_id != day.pk:
            raise ValidationError("That meal is on another day.")
        amount_grams, portion, quantity = _amount(
            food=food,
            grams=None if portion else grams * count,
            portion=portion,
            portion_quantity=Decimal(count) if portion else None,
        )
        added.append(
            _meal_item_create(
                meal=meal,
                food=food,
                grams=amount_grams,
                portion=portion,
                portion_quantity=quantity,
            )
        )
    _touch(day, editor=editor)
    return added


@transaction.atomic
def fill_undo(*, day: Day, item_pks: Sequence[int], editor: User) -> list[MealItem]:
    """Undo an accepted fill: soft-delete the items it added (`item_pks`), in one write.

    Each is deleted as `meal_item_delete` does, so each keeps its own Undo (restore). An
    item changed since the accept (amount edited, moved to another meal of the day) is
    still removed: it is the row the fill added, and the person asked for the fill gone.
    Items deleted already stay as they were; when none is left nothing is written and []
    is returned (undoing twice is a no-op). Ids that are not items of this day (another
    day, another plan, no item at all) refuse the whole undo with a ValidationError and
    nothing is touched. A stale day version is refused by `_touch` (StaleDayError, 409).
    """
    day = Day.objects.select_for_update().get(pk=day.pk)
    wanted = set(item_pks)
    items = list(MealItem.objects.filter(meal__day=day, pk__in=wanted))
    if not wanted or {item.pk for item in items} != wanted:
        raise ValidationError("Those items are not on this day.")
    live = [item for item in items if item.deleted_at is None]
    if not live:
        return []
    now = timezone.now()
    MealItem.objects.filter(pk__in=[item.pk for item in live]).update(deleted_at=now)
    for item in live:
        item.deleted_at = now
    _touch(day, editor=editor)
    return live
