"""Writes to plans: every change to a day goes through here, in one transaction.

Each write to a day bumps `Day.version` and records who edited it and when, so a
dietitian and their client editing the same day can tell what changed.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from accounts.selectors import profile_for
from foods.models import Food, Portion
from plans.models import (
    DEFAULT_MEAL_NAMES,
    MAX_ITEM_GRAMS,
    Day,
    Meal,
    MealItem,
    Plan,
    Preparation,
)
from plans.selectors import day_date_error

MAX_MEALS_PER_DAY = 12


def _touch(day: Day, *, editor: User | None) -> None:
    day.version += 1
    day.last_edited_by = editor
    day.last_edited_at = timezone.now()
    day.save(update_fields=["version", "last_edited_by", "last_edited_at"])


@transaction.atomic
def plan_get_or_create(*, user: User) -> Plan:
    plan, _ = Plan.objects.get_or_create(owner=user)
    return plan


@transaction.atomic
def day_get_or_create(*, user: User, on: date, editor: User | None = None) -> Day:
    """The person's day on `on`, created with the four default meals the first time.

    Raises ValidationError for a date outside the plan (before birth, over two years ahead).
    """
    problem = day_date_error(profile=profile_for(user=user), on=on)
    if problem:
        raise ValidationError({"date": problem})
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
    last = day.meals.aggregate(last=Max("position"))["last"]
    meal = Meal(day=day, name=name, position=0 if last is None else last + 1)
    meal.full_clean()
    meal.save()
    _touch(day, editor=editor)
    return meal


@transaction.atomic
def meal_rename(*, meal: Meal, name: str, editor: User) -> Meal:
    meal.name = _clean_meal_name(meal.day, name, exclude_pk=meal.pk)
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
def meal_delete(*, meal: Meal, editor: User) -> None:
    """Delete the meal and its items; supplements taken with it become taken on their own."""
    day = meal.day
    meal.delete()
    _touch(day, editor=editor)


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
        if grams > MAX_ITEM_GRAMS:
            raise ValidationError(
                {"portion_quantity": f"That is {grams:,.0f} g; at most {MAX_ITEM_GRAMS:,} g."}
            )
        return round(grams, 2), portion, portion_quantity
    if grams is None:
        raise ValidationError({"grams": "Enter the grams, or pick a household measure."})
    if not 0 < grams <= MAX_ITEM_GRAMS:
        raise ValidationError({"grams": f"Enter an amount above 0 and at most {MAX_ITEM_GRAMS} g."})
    return float(grams), None, None


def _preparation(food: Food, preparation: str) -> str:
    if preparation not in Preparation.values:
        raise ValidationError({"preparation": "Pick a preparation from the list."})
    # Preparation only changes phytate; on a food without any it would be a false promise.
    if preparation != Preparation.NONE and not food.phytate_mg_per_100g:
        return Preparation.NONE
    return preparation


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
    last = meal.items.aggregate(last=Max("position"))["last"]
    item = MealItem(
        meal=meal,
        food=food,
        grams=amount_grams,
        portion=portion,
        portion_quantity=portion_quantity,
        preparation=_preparation(food, preparation),
        position=0 if last is None else last + 1,
    )
    item.full_clean()
    item.save()
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
    item.grams, item.portion, item.portion_quantity = _amount(
        food=item.food, grams=grams, portion=portion, portion_quantity=portion_quantity
    )
    if preparation is not None:
        item.preparation = _preparation(item.food, preparation)
    item.full_clean()
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
def day_notes_update(*, day: Day, notes: str, editor: User) -> Day:
    day.notes = notes.strip()
    day.full_clean(exclude=["plan", "last_edited_by"])
    day.save(update_fields=["notes"])
    _touch(day, editor=editor)
    return day
