"""Recipes on the day page (remove with Undo) and the recipe page's ingredient writes,
with htmx (fragments) and without (redirects)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import MealRecipe
from plans.recipe_services import meal_recipe_add, meal_recipe_restore
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


# ---------------------------------------------------------------- the recipe page's ingredients


def recipe_url(recipe):
    return reverse("recipes:detail", args=[recipe.pk])


def test_adding_an_ingredient_with_htmx_returns_the_body_with_new_figures(client, porridge, oats):
    seeds = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=592)
    response = client.post(
        reverse("recipes:ingredient_add", args=[porridge.pk]),
        {"ing-food": seeds.pk, "ing-grams": "30", "ing-preparation": "none"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="recipe-body">')
    assert "<html" not in html
    assert "Added 30 g Pumpkin seeds." in html
    line = porridge.ingredients.get(food=seeds)
    assert f'id="ingredient-{line.pk}"' in html
    # Per serving: (300 g oats × 27 + 30 g seeds × 592) / 100 / 2 servings = 129.3 mg.
    assert "129.3 mg" in html


def test_adding_without_js_redirects_to_the_new_line(client, porridge):
    seeds = FoodFactory(description="Pumpkin seeds")
    response = client.post(
        reverse("recipes:ingredient_add", args=[porridge.pk]),
        {"ing-food": seeds.pk, "ing-grams": "30", "ing-preparation": "none"},
    )
    line = porridge.ingredients.get(food=seeds)
    assert response.status_code == 302
    assert response["Location"] == f"{recipe_url(porridge)}#ingredient-{line.pk}"


def test_an_invalid_add_with_htmx_is_the_body_with_errors_and_422(client, porridge):
    seeds = FoodFactory(description="Pumpkin seeds")
    response = client.post(
        reverse("recipes:ingredient_add", args=[porridge.pk]),
        {"ing-food": seeds.pk, "ing-grams": "0", "ing-preparation": "none"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="recipe-body">')
    assert 'aria-invalid="true"' in html
    # The form stays open on the food being added.
    assert "Adding <strong>Pumpkin seeds</strong>" in html
    assert not porridge.ingredients.filter(food=seeds).exists()


def test_editing_an_ingredient_with_htmx_and_a_422(client, porridge, oats):
    line = porridge.ingredients.get()
    url = reverse("recipes:ingredient_update", args=[line.pk])
    prefix = f"ing-{line.pk}"
    response = client.post(
        url, {f"{prefix}-grams": "100", f"{prefix}-preparation": "soaked"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved 100 g Oats, regular, cooked." in html
    line.refresh_from_db()
    assert (line.grams, line.preparation) == (100, "soaked")

    response = client.post(url, {f"{prefix}-grams": "-5", f"{prefix}-preparation": "none"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="recipe-body">')
    assert f'id="{prefix}-grams_error"' in html
    line.refresh_from_db()
    assert line.grams == 100


def test_removing_an_ingredient_with_htmx_and_without(client, person, porridge, oats):
    line = porridge.ingredients.get()
    response = client.post(reverse("recipes:ingredient_delete", args=[line.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Removed Oats, regular, cooked." in html
    assert "Add foods to see the magnesium per serving." in html

    again = RecipeIngredientFactory(recipe=porridge, food=oats, grams=100)
    response = client.post(reverse("recipes:ingredient_delete", args=[again.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{recipe_url(porridge)}#ingredients"
    assert not porridge.ingredients.exists()


def test_removing_a_food_that_would_make_grams_eaten_too_many_servings_is_a_422(
    client, person, porridge, oats
):
    """Porridge in one serving, 300 g of oats and 3 g of seeds, eaten by the gram: 303 g.
    Without the oats a serving weighs 3 g, and 303 g would be 101 servings."""
    porridge.servings = 1
    porridge.save()
    RecipeIngredientFactory(recipe=porridge, grams=3)
    day = day_get_or_create(user=person, on=timezone.localdate())
    used = meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=porridge, editor=person, grams=303
    )
    assert used.servings == 1
    line = porridge.ingredients.get(food=oats)
    response = client.post(reverse("recipes:ingredient_delete", args=[line.pk]), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "303 g of this dish planned in a meal would be 101 servings" in html
    assert porridge.ingredients.filter(food=oats).exists()
    used.refresh_from_db()
    assert (used.servings, used.grams) == (1, 303)


def test_the_food_search_with_htmx_returns_the_body(client, porridge):
    FoodFactory(description="Buckwheat groats")
    response = client.get(recipe_url(porridge), {"q": "buckwheat"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="recipe-body">')
    assert "Buckwheat groats" in html
    # Without htmx the same address is the whole page.
    page = client.get(recipe_url(porridge), {"q": "buckwheat"}).content.decode()
    assert "<html" in page


def test_someone_elses_ingredient_is_404_with_htmx_too(client, porridge):
    line = porridge.ingredients.get()
    client.force_login(ProfileFactory().user)
    response = client.post(reverse("recipes:ingredient_delete", args=[line.pk]), **HTMX)
    assert response.status_code == 404
    assert porridge.ingredients.exists()


def test_restoring_a_recipe_not_removed_leaves_the_day_version(person, used):
    version = used.meal.day.version
    meal_recipe_restore(used=used, editor=person)

    used.meal.day.refresh_from_db()
    assert used.meal.day.version == version
