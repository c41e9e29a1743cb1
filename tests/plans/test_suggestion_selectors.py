"""The reads behind suggestions, fill my day and a recipe's figures (plans/suggestion_selectors.py,
plans/recipe_selectors.py, foods.selectors.portion_for)."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import timezone

from foods.selectors import portion_for
from plans import services
from plans.recipe_selectors import recipe_scoring_profile_for
from plans.suggestion_selectors import day_item_for, fill_options_for
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    ProfileFactory,
    RecipeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pool(monkeypatch):
    # The shipped pool's foods are not in the test database: only the person's usual foods.
    monkeypatch.setattr(
        "plans.suggestion_selectors.candidate_pool", lambda: SimpleNamespace(adds=())
    )


def test_portion_for_finds_the_measure_of_that_weight_only() -> None:
    ounce = PortionFactory(grams=28.35)
    assert portion_for(food=ounce.food, grams=28.38) == ounce
    assert portion_for(food=ounce.food, grams=30) is None


def test_fill_options_offer_usual_foods_in_their_usual_measure_within_the_diet() -> None:
    person = ProfileFactory().user
    day = services.day_get_or_create(user=person, on=timezone.localdate(), editor=person)
    lunch = day.meals.get(name="Lunch")
    ounce = PortionFactory(food=FoodFactory(description="Pumpkin seeds"), grams=28.35)
    for _ in range(3):
        MealItemFactory(meal=lunch, food=ounce.food, grams=28.35, portion=ounce)
    MealItemFactory(meal=lunch, food=ounce.food, grams=50)
    beef = FoodFactory(description="Beef, ground", food_group="Beef Products")
    MealItemFactory(meal=lunch, food=beef, grams=100)

    options = fill_options_for(user=person, diet="vegetarian", exclusions=frozenset())

    [seeds] = options
    assert (seeds.food_ref, seeds.portion_ref, seeds.portion_grams) == (
        ounce.food.pk,
        ounce.pk,
        28.35,
    )
    assert seeds.portion_label == ounce.label
    assert seeds.frequent
    omnivore = fill_options_for(user=person, diet="omnivore", exclusions=frozenset())
    assert {option.food_ref for option in omnivore} == {ounce.food.pk, beef.pk}


def test_day_item_for_skips_removed_items_and_other_days() -> None:
    person = UserFactory()
    today = services.day_get_or_create(user=person, on=date(2026, 3, 2), editor=person)
    other = services.day_get_or_create(user=person, on=date(2026, 3, 3), editor=person)
    live = MealItemFactory(meal=today.meals.first())
    removed = MealItemFactory(meal=today.meals.first(), deleted_at=timezone.now())
    elsewhere = MealItemFactory(meal=other.meals.first())
    assert day_item_for(day=today, pk=live.pk) == live
    assert day_item_for(day=today, pk=removed.pk) is None
    assert day_item_for(day=today, pk=elsewhere.pk) is None


def test_a_recipe_is_scored_for_its_owner_unless_they_have_no_birth_date() -> None:
    owner = ProfileFactory(date_of_birth=date(1950, 1, 1))
    viewer = ProfileFactory()
    recipe = RecipeFactory(owner=owner.user)
    assert recipe_scoring_profile_for(recipe=recipe, viewer=viewer.user) == owner
    owner.date_of_birth = None
    owner.save(update_fields=["date_of_birth"])
    assert recipe_scoring_profile_for(recipe=recipe, viewer=viewer.user) == viewer
