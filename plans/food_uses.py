"""A food is deleted, or one of its household measures is re-weighed or deleted: what in
plans goes with it, what keeps it, what follows it.

Connected to `foods.signals.food_deleting`, `portion_reweighed` and `portion_deleting` in
`PlansConfig.ready`; each runs inside the change's transaction: a person's custom food
(`foods.services`), or a food editor's change of a database food in the admin.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from foods.models import Food, Portion
from foods.values import MAX_PORTION_GRAMS
from mgplanner.page_cache import user_stamps_bump_on_commit
from plans.models import (
    AmountFields,
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


# ---------------------------------------------------------------- household measures changed

# Every row that plans an amount by a household measure, with the path to the person whose
# pages show it.
BY_MEASURE: tuple[tuple[type[AmountFields], str], ...] = (
    (MealItem, "meal__day__plan__owner_id"),
    (MealTemplateItem, "template__owner_id"),
    (DayTemplateItem, "template__owner_id"),
    (RecipeIngredient, "recipe__owner_id"),
)


def measured_grams(quantity: Decimal, portion_grams: float) -> float:
    """`quantity` of a measure weighing `portion_grams`, to 0.01 g as `_amount` keeps it, but
    never 0 g, which the rows' constraint refuses (0.001 of a 0.1 g measure)."""
    grams = float(quantity) * portion_grams
    return round(grams, 2) or grams


@transaction.atomic
def portion_uses_reweigh(*, portion: Portion) -> set[int]:
    """Weigh every row planned by `portion` again: its count × the grams the measure has now.

    A food editor corrects a measure ("1 cup" 258 g → 50 g); what people planned by it keeps
    the count they chose, so its grams follow. Else the day shows "2 × 1 cup (516 g)" and
    scores 516 g, and a recipe exported with it fails its own measure check on import.
    Deleted meal items (and items of deleted meals) are weighed too: Undo brings back the
    count, and it must weigh what the measure weighs then. A recipe whose raw weight changed
    keeps its uses entered in grams of the dish at those grams (`recipe_foods_changed`).

    Day versions are left as they are: no open page has a write that could conflict with
    this one (an edit sets the grams from the measure again), so none is sent the reload
    prompt. The people's cached pages go once this commits.

    Raises ValidationError keyed `grams`, and the caller's transaction writes nothing, when
    a row would weigh more than MAX_PORTION_GRAMS (copying its day or applying its template
    would then be refused) or a recipe use would leave the servings a meal takes.
    Returns the ids of the people whose rows changed.
    """
    from plans.recipe_services import recipe_foods_changed

    people: set[int] = set()
    recipe_ids: set[int] = set()
    for model, owner_path in BY_MEASURE:
        rows = model._default_manager.filter(portion=portion, portion_quantity__isnull=False)
        changed = []
        for pk, quantity, grams, owner_id in rows.values_list(
            "pk", "portion_quantity", "grams", owner_path
        ):
            now = measured_grams(quantity, portion.grams)
            if now == grams:
                continue
            if now > MAX_PORTION_GRAMS:
                raise ValidationError(
                    {
                        "grams": f"{quantity.normalize():f} × {portion.label} is planned, "
                        f"which would weigh {now:,.0f} g: at most {MAX_PORTION_GRAMS:,} g "
                        "of one food can be planned."
                    }
                )
            changed.append(model(pk=pk, grams=now))
            people.add(owner_id)
        model._default_manager.bulk_update(changed, ["grams"], batch_size=500)
        if model is RecipeIngredient:
            recipe_ids.update(
                RecipeIngredient.objects.filter(pk__in=[row.pk for row in changed]).values_list(
                    "recipe_id", flat=True
                )
            )
    for recipe in Recipe.objects.filter(pk__in=recipe_ids):
        try:
            recipe_foods_changed(recipe)
        except ValidationError as error:
            raise ValidationError(
                {"grams": [f"A recipe made with this measure: {m}" for m in error.messages]}
            ) from None
    user_stamps_bump_on_commit(people)
    return people


@transaction.atomic
def portion_uses_in_grams(*, portion_ids: Sequence[int]) -> set[int]:
    """The measures `portion_ids` are about to be deleted: every row planned by one keeps
    its grams, in plain grams, so none is left a count of no measure. Returns the ids of
    their people, whose cached pages go once this commits."""
    people: set[int] = set()
    for model, owner_path in BY_MEASURE:
        rows = model._default_manager.filter(portion_id__in=portion_ids)
        people.update(rows.values_list(owner_path, flat=True))
        rows.update(portion=None, portion_quantity=None)
    user_stamps_bump_on_commit(people)
    return people


def on_portion_reweighed(sender: type[Portion], *, portion: Portion, **kwargs: Any) -> None:
    portion_uses_reweigh(portion=portion)


def on_portion_deleting(
    sender: type[Portion], *, portion_ids: Sequence[int], **kwargs: Any
) -> None:
    portion_uses_in_grams(portion_ids=portion_ids)
