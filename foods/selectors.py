"""Reads for foods: values the scoring engine needs (search and detail selectors live here too)."""

from collections.abc import Iterable

from foods.models import Food, FoodSource
from foods.values import FoodValues


def food_values(food: Food) -> FoodValues:
    return FoodValues(
        code=food.code,
        name=food.description,
        magnesium_mg_per_100g=food.magnesium_mg_per_100g or 0.0,
        phytate_mg_per_100g=food.phytate_mg_per_100g or 0.0,
        oxalate_mg_per_100g=food.oxalate_mg_per_100g or 0.0,
        calcium_mg_per_100g=food.calcium_mg_per_100g or 0.0,
        kcal_per_100g=food.kcal_per_100g or 0.0,
        food_group=food.food_group,
    )


def food_values_by_code(codes: Iterable[str]) -> dict[str, FoodValues]:
    """Database (SR28) foods by their code, in one query; unknown codes are simply absent."""
    wanted = {str(code) for code in codes}
    foods = Food.objects.filter(source=FoodSource.USDA_SR28, owner__isnull=True, code__in=wanted)
    return {food.code: food_values(food) for food in foods}
