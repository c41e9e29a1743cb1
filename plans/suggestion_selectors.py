"""Reads for suggestions and "Fill my day" (plans/suggestion_views.py).

The views parse, re-check with the engine and call the services; the rows they check
against come from here.
"""

from collections.abc import Iterable

from django.db.models import Count, Q

from accounts.models import User
from foods.diet import allowed, tags_for
from foods.models import Food, FoodSource, Portion
from foods.selectors import food_values, portion_for
from plans import fill
from plans.models import Day, MealItem, SupplementDose
from plans.swap_pool import candidate_pool

# The person's usual foods offered to fill my day, beside the pool's best candidates.
FREQUENT_FOODS = 12


def pool_food_for(*, code: str) -> Food | None:
    """The shipped (USDA SR28) food a suggestion names by code, with its measures."""
    return (
        Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True, code=code)
        .prefetch_related("portions")
        .first()
    )


def day_item_for(*, day: Day, pk: int) -> MealItem | None:
    """A live item of a live meal of `day` (what a swap or preparation changes), or None."""
    return (
        MealItem.objects.live().filter(pk=pk, meal__day=day).select_related("meal", "food").first()
    )


def day_doses_for(*, day: Day, pks: Iterable[int]) -> list[SupplementDose]:
    """The live doses of `day` among `pks` (what a split halves)."""
    return list(
        SupplementDose.objects.filter(
            pk__in=list(pks), day=day, deleted_at__isnull=True
        ).select_related("product")
    )


def day_version_of(*, day: Day) -> int | None:
    """The day's version as stored now (after a write), for the undo token."""
    return Day.objects.filter(pk=day.pk).values_list("version", flat=True).first()


def fill_rows_for(
    *, owner: User, food_pks: Iterable[int], portion_pks: Iterable[int]
) -> tuple[dict[int, Food], dict[int, Portion]]:
    """A proposal's foods (those `owner` may use) and measures, in two queries, not two per
    line (up to 100 lines).
    """
    return (
        Food.objects.visible_to(owner).in_bulk(set(food_pks)),
        Portion.objects.in_bulk(set(portion_pks)),
    )


def _usual_options(
    *, user: User, diet: str, exclusions: frozenset[str]
) -> dict[str, fill.FillOption]:
    usual = list(
        MealItem.objects.live()
        .filter(meal__day__plan__owner=user)
        .filter(Q(food__owner__isnull=True) | Q(food__owner=user))
        .values("food")
        .annotate(uses=Count("id"))
        .order_by("-uses", "food")[:FREQUENT_FOODS]
    )
    foods = Food.objects.in_bulk([row["food"] for row in usual])
    # The measure each usual food is most often eaten in (or its usual grams).
    measures: dict[int, tuple[Portion | None, float]] = {}
    rows = (
        MealItem.objects.live()
        .filter(meal__day__plan__owner=user, food__in=foods.keys())
        .values("food", "portion", "portion__grams", "grams")
        .annotate(uses=Count("id"))
        .order_by("-uses", "food", "portion", "grams")
    )
    portions = Portion.objects.in_bulk([row["portion"] for row in rows if row["portion"]])
    for row in rows:
        if row["food"] in measures:
            continue
        portion = portions.get(row["portion"]) if row["portion"] else None
        measures[row["food"]] = (portion, portion.grams if portion else row["grams"])
    options: dict[str, fill.FillOption] = {}
    for row in usual:
        food = foods.get(row["food"])
        if food is None or row["food"] not in measures:
            continue
        if not allowed(tags_for(food.code, food.description, food.food_group), diet, exclusions):
            continue
        portion, grams = measures[row["food"]]
        options[f"pk-{food.pk}"] = fill.FillOption(
            food=food_values(food),
            portion_grams=grams,
            portion_label=portion.label if portion else f"{grams:g} g",
            frequent=True,
            food_ref=food.pk,
            portion_ref=portion.pk if portion else None,
        )
    return options


def fill_options_for(*, user: User, diet: str, exclusions: frozenset[str]) -> list[fill.FillOption]:
    """The person's usual foods (in the measure they usually eat) and the pool's best add
    candidates, all allowed by the diet and exclusions; each food once."""
    options = _usual_options(user=user, diet=diet, exclusions=exclusions)
    usual_codes = {option.food.code for option in options.values()}
    pool_adds = [
        candidate
        for candidate in candidate_pool().adds
        if candidate.food.code not in usual_codes and allowed(candidate.tags, diet, exclusions)
    ]
    rows_by_code = {
        food.code: food
        for food in Food.objects.filter(
            source=FoodSource.USDA_SR28,
            owner__isnull=True,
            code__in=[c.food.code for c in pool_adds],
        ).prefetch_related("portions")
    }
    for candidate in pool_adds:
        food = rows_by_code.get(candidate.food.code)
        if food is None:
            continue
        portion = portion_for(food=food, grams=candidate.portion_grams)
        options[f"pk-{food.pk}"] = fill.FillOption(
            food=candidate.food,
            portion_grams=candidate.portion_grams,
            portion_label=candidate.portion_label,
            food_ref=food.pk,
            portion_ref=portion.pk if portion else None,
        )
    return list(options.values())
