"""Recipes on the day page (remove with Undo) and the recipe page's ingredient writes,
with htmx (fragments) and without (redirects)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import MealRecipe
from plans.recipe_services import meal_recipe_add
from plans.services import day_get_or_create
from tests.factories import (
    FoodFactory,
    PortionFactory,
    ProfileFactory,
    RecipeFactory,
    RecipeIngredientFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def person(client):
    profile = ProfileFactory()
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def oats():
    food = FoodFactory(
        code="08120",
        description="Oats, regular, cooked",
        food_group="Breakfast Cereals",
        magnesium_mg_per_100g=27,
        phytate_mg_per_100g=210,
    )
    PortionFactory(food=food, unit="cup", grams=234)
    return food


@pytest.fixture
def porridge(person, oats):
    recipe = RecipeFactory(owner=person, name="Porridge", servings=2)
    RecipeIngredientFactory(recipe=recipe, food=oats, grams=300)
    return recipe


@pytest.fixture
def used(person, porridge):
    day = day_get_or_create(user=person, on=timezone.localdate())
    meal = day.meals.get(name="Breakfast")
    return meal_recipe_add(meal=meal, recipe=porridge, editor=person, servings=Decimal("1"))


def day_url(used):
    return reverse("plans:day", args=[used.meal.day.date.isoformat()])


def test_removing_a_recipe_without_js_redirects_to_the_day_with_an_undo_bar(client, used):
    response = client.post(reverse("recipes:meal_delete", args=[used.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{day_url(used)}?undo_recipe={used.pk}#undo"
    page = client.get(response["Location"]).content.decode()
    assert "Removed Porridge from Breakfast." in page
    assert reverse("recipes:meal_restore", args=[used.pk]) in page
    assert f'id="meal-recipe-{used.pk}"' not in page

    response = client.post(reverse("recipes:meal_restore", args=[used.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{day_url(used)}#meal-recipe-{used.pk}"
    used.refresh_from_db()
    assert used.deleted_at is None


def test_removing_a_recipe_with_htmx_returns_the_meals_with_undo_and_the_score(client, used):
    response = client.post(reverse("recipes:meal_delete", args=[used.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="day-meals"' in html
    assert "Removed Porridge from Breakfast." in html
    assert 'id="undo-button"' in html
    # The score panel follows out of band, without the recipe's magnesium.
    assert "hx-swap-oob" in html
    assert f'id="meal-recipe-{used.pk}"' not in html

    response = client.post(reverse("recipes:meal_restore", args=[used.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="meal-recipe-{used.pk}"' in html
    assert "Removed Porridge" not in html
    assert MealRecipe.objects.get(pk=used.pk).deleted_at is None


def test_undo_bar_only_for_a_removed_recipe_of_that_day(client, used):
    # A live recipe's id in the query shows no bar: there is nothing to undo.
    page = client.get(f"{day_url(used)}?undo_recipe={used.pk}").content.decode()
    assert "Removed Porridge" not in page


def test_someone_elses_recipe_in_a_meal_cannot_be_removed_or_restored(client, used):
    other = ProfileFactory().user
    client.force_login(other)
    assert client.post(reverse("recipes:meal_delete", args=[used.pk])).status_code == 404
    used.deleted_at = timezone.now()
    used.save()
    assert client.post(reverse("recipes:meal_restore", args=[used.pk])).status_code == 404
    used.refresh_from_db()
    assert used.deleted_at is not None
