"""A food is deleted: what in plans goes with it, what keeps it.

Connected to `foods.signals.food_deleting` in
`PlansConfig.ready`; runs inside the delete's transaction: a person's
`foods.services.custom_food_delete`, or a food editor's delete of a database food in the admin.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from foods.models import Food
from plans.models import (
    DayTemplate,
    DayTemplateItem,
    MealItem,
    MealTemplate,
    MealTemplateItem,
    Recipe,
    RecipeIngredient,
    WeekTemplate,
)

# A refusal names this many days or names of each kind, then counts the rest.
NAMED = 3


def custom_food_release(*, food: Food) -> None:
    """Refuse (ValidationError naming where) while anything live uses `food`; else remove
    the meal items that only Undo still holds, so the food can be deleted.

    An item deleted on its own or with its meal is off every page and score, kept only so
    Undo can bring it back; it must not keep its food. It goes with the food: once the food
    is gone, that Undo is gone too (restoring the meal brings back the rest of it). A live
    item, a recipe line or a template line keeps the food until the person removes it.
    """
    own = custom_food_uses(food=food)
    others = ["someone else's plan, recipe or template"] if _used_by_others(food=food) else []
    if own or others:
        what_now = (
            "Remove it from them, then delete it."
            if own
            else "It can be deleted once they no longer use it."
        )
        raise ValidationError(
            f"“{food.description}” is still used in: {'; '.join(own + others)}. {what_now}"
        )
    undo_only_items_delete(food=food)


def undo_only_items_delete(*, food: Food) -> None:
    """Delete the meal items that name `food` but only Undo still holds (deleted on their own
    or with their meal): off every page and score, they must not keep the food."""
    MealItem.objects.filter(food=food).filter(
        Q(deleted_at__isnull=False) | Q(meal__deleted_at__isnull=False)
    ).delete()


def custom_food_uses(*, food: Food) -> list[str]:
    """Where the food's owner still uses it, in their words; [] when nowhere."""
    owner_id = food.owner_id
    uses = []
    planned = _planned_days(food=food, owner_id=owner_id)
    if planned:
        uses.append(f"your plan on {planned}")
    for label, names in (
        (
            ("recipe", "recipes"),
            Recipe.objects.filter(owner_id=owner_id, ingredients__food=food),
        ),
        (
            ("meal template", "meal templates"),
            MealTemplate.objects.filter(owner_id=owner_id, items__food=food),
        ),
        (
            ("day template", "day templates"),
            DayTemplate.objects.filter(owner_id=owner_id, week__isnull=True, items__food=food),
        ),
        (
            ("week template", "week templates"),
            WeekTemplate.objects.filter(owner_id=owner_id, days__items__food=food),
        ),
    ):
        found = sorted(set(names.values_list("name", flat=True)), key=str.lower)
        if found:
            kind = label[0] if len(found) == 1 else label[1]
            uses.append(f"your {kind} {_listed([f'“{name}”' for name in found])}")
    return uses


def _used_by_others(*, food: Food) -> bool:
    """Whether a live row of someone else names the food. Templates and duplicated recipes
    give other people their own copy, so this is older data: the owner cannot remove it,
    and it must not lose its food from under its owner."""
    owner_id = food.owner_id
    others = (
        MealItem.objects.live().filter(food=food).exclude(meal__day__plan__owner_id=owner_id),
        MealTemplateItem.objects.filter(food=food).exclude(template__owner_id=owner_id),
        DayTemplateItem.objects.filter(food=food).exclude(template__owner_id=owner_id),
        RecipeIngredient.objects.filter(food=food).exclude(recipe__owner_id=owner_id),
    )
    return any(rows.exists() for rows in others)


def _planned_days(*, food: Food, owner_id: Any) -> str:
    """ "Tue 3 Mar 2026 (Breakfast, Lunch), Wed 4 Mar 2026 (Lunch) and 2 more", or ""."""
    meals: dict[date, set[tuple[int, str]]] = {}
    for on, position, name in (
        MealItem.objects.live()
        .filter(food=food, meal__day__plan__owner_id=owner_id)
        .values_list("meal__day__date", "meal__position", "meal__name")
    ):
        meals.setdefault(on, set()).add((position, name))
    return _listed(
        [
            f"{on:%a %-d %b %Y} ({', '.join(name for _, name in sorted(names))})"
            for on, names in sorted(meals.items())
        ]
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED])
    rest = len(names) - NAMED
    return f"{shown} and {rest} more" if rest > 0 else shown


def on_food_deleting(sender: type[Food], *, food: Food, **kwargs: Any) -> None:
    """Receives `foods.signals.food_deleting` for custom and database foods alike.

    A database food is everyone's: the admin's delete page lists the live rows that keep it
    (PROTECT), so here only the rows nobody can see any more go. A custom food is refused
    here, in its owner's words, while they use it.
    """
    if food.owner_id is None:
        undo_only_items_delete(food=food)
    else:
        custom_food_release(food=food)
