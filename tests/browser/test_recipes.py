"""Recipes in a real browser: create one, add a serving to lunch, see the score rise and the
shopping list name its ingredients."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import recipe_services, services
from tests.browser.axe import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEANS = "Beans, black, mature seeds, cooked, boiled, without salt"
PUMPKIN = "Seeds, pumpkin and squash seed kernels, dried"


def effective_mg(page) -> float:
    text = page.locator("#gauge-text strong").first.inner_text()
    return float(re.sub(r"[^\d.]", "", text))


def add_ingredient(page, query: str, name: str, grams: str) -> None:
    page.get_by_label("Add a food").fill(query)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=name).click()
    page.locator("#ing-grams").fill(grams)
    page.get_by_role("button", name="Add to the recipe").click()
    expect(page.get_by_role("row", name=re.compile(re.escape(name)))).to_be_visible()


def test_create_a_recipe_add_a_serving_to_lunch_and_shop_for_it(person_page, person, browser_foods):
    page = person_page
    today = timezone.localdate()
    day = services.day_get_or_create(user=person, on=today)
    services.meal_item_add(
        meal=day.meals.get(name="Breakfast"), food=browser_foods["08120"], editor=person, grams=40
    )

    page.goto("/recipes/")
    page.get_by_label("Name").fill("Black bean bowl")
    page.get_by_label("Servings it makes").fill("2")
    page.get_by_role("button", name="Create recipe").click()
    add_ingredient(page, "black beans", BEANS, "344")
    add_ingredient(page, "pumpkin seeds", PUMPKIN, "30")
    expect(page.locator("#serving-effective")).to_contain_text("mg")
    assert blocking_violations(page) == []

    page.goto(f"/plan/day/{today.isoformat()}/")
    before = effective_mg(page)
    page.get_by_role("link", name="Add a recipe to Lunch").click()
    page.get_by_label("Black bean bowl").check()
    page.locator("#id_servings").fill("1")
    page.get_by_role("button", name="Add to Lunch").click()
    expect(page.get_by_role("link", name="Black bean bowl")).to_be_visible()
    assert effective_mg(page) > before

    page.goto("/plan/shopping/")
    shopping = page.locator("#shopping-list")
    expect(shopping).to_contain_text(BEANS)
    expect(shopping).to_contain_text(PUMPKIN)
    expect(shopping).to_contain_text("Cereals, oats")
    page.get_by_label(re.compile(re.escape(BEANS))).check()
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.get_by_label(re.compile(re.escape(BEANS)))).to_be_checked()


def test_remove_a_recipe_from_a_meal_and_undo_it(person_page, person, browser_foods):
    page = person_page
    today = timezone.localdate()
    recipe = recipe_services.recipe_create(owner=person, name="Bean pot", servings=2)
    recipe_services.recipe_ingredient_add(recipe=recipe, food=browser_foods["16015"], grams=344)
    day = services.day_get_or_create(user=person, on=today)
    recipe_services.meal_recipe_add(
        meal=day.meals.get(name="Lunch"), recipe=recipe, editor=person, servings=Decimal(1)
    )

    page.goto(f"/plan/day/{today.isoformat()}/")
    with_recipe = effective_mg(page)
    page.get_by_role("button", name="Remove Bean pot").click()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    expect(page.locator("#undo")).to_contain_text("Removed Bean pot from Lunch.")
    expect(page.get_by_role("link", name="Bean pot")).to_have_count(0)
    assert effective_mg(page) < with_recipe

    undo.click()
    expect(page.get_by_role("link", name="Bean pot")).to_be_focused()
    assert effective_mg(page) == with_recipe
