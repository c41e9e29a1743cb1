"""Recipes in a real browser: create one, add a serving to lunch, see the score rise and the
shopping list name its ingredients."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import recipe_services, services
from tests.browser.axe import blocking_violations
from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.factories import DietitianFactory, DietitianLinkFactory, FoodFactory, PortionFactory

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


def test_recipe_page_and_its_edit_forms_fit_a_375_px_screen(phone_page, person, browser_foods):
    # A select is as wide as its longest option: SR28's measures for sweet corn (11167) make
    # the measure select of its edit form about 400 px wide.
    corn = FoodFactory(code="11167", description="Corn, sweet, yellow, raw")
    for unit, grams in (('ear, medium (6-3/4" to 7-1/2" long) yields', 90), ("cup", 145)):
        PortionFactory(food=corn, unit=unit, grams=grams)
    recipe = recipe_services.recipe_create(owner=person, name="Corn and bean bowl", servings=2)
    for food, grams in ((browser_foods["09040"], 118), (browser_foods["16015"], 172), (corn, 90)):
        recipe_services.recipe_ingredient_add(recipe=recipe, food=food, grams=grams)
    page = phone_page
    page.goto(f"/recipes/{recipe.pk}/")
    ingredients = page.locator("#ingredients")
    expect(ingredients.get_by_role("link", name="Bananas, raw")).to_be_visible()
    assert_no_sideways_scroll(page)
    # Stacked, each figure says what it is.
    expect(ingredients.get_by_role("cell", name="Amount: 118 g")).to_be_visible()

    for summary in ingredients.locator("summary").all():
        summary.click()
    expect(ingredients.locator("details.inline-edit[open]")).to_have_count(3)
    assert_no_sideways_scroll(page)
    rights = ingredients.get_by_label("or a measure").evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().right)"
    )
    assert len(rights) == 3
    assert max(rights) <= 375
    assert blocking_violations(page) == []


def test_a_dietitian_adds_the_clients_recipe_and_stays_in_their_day(
    context, live_server, person, browser_foods
):
    dietitian = DietitianFactory(display_name="Dr Dee")
    DietitianLinkFactory(dietitian=dietitian, client=person)
    theirs = recipe_services.recipe_create(owner=person, name="Ada's bean pot", servings=2)
    recipe_services.recipe_ingredient_add(recipe=theirs, food=browser_foods["16015"], grams=344)
    theirs.shared = True
    theirs.save()
    recipe_services.recipe_create(owner=dietitian, name="Dee's private draft", servings=2)
    today = timezone.localdate().isoformat()
    log_in(context, dietitian, live_server.url)
    page = context.new_page()

    page.goto(f"/clients/{person.pk}/day/{today}/")
    page.get_by_role("link", name="Add a recipe to Lunch").click()
    expect(page.get_by_role("note")).to_contain_text("You are working on the plan of Ada")
    expect(page.get_by_label("Dee's private draft")).to_have_count(0)
    assert blocking_violations(page) == []
    page.get_by_label("Ada's bean pot").check()
    page.get_by_role("button", name="Add to Lunch").click()
    expect(page).to_have_url(re.compile(rf"/clients/{person.pk}/day/{today}/#meal-recipe-\d+$"))
    expect(page.get_by_role("link", name="Ada's bean pot")).to_be_visible()


def test_the_shopping_lists_print_button_shows_only_where_it_works(
    browser, live_server, person, browser_foods
):
    for javascript in (True, False):
        ctx = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
        log_in(ctx, person, live_server.url)
        page = ctx.new_page()
        page.goto("/plan/shopping/")
        button = page.get_by_role("button", name="Print")
        expect(button).to_be_visible() if javascript else expect(button).to_be_hidden()
        ctx.close()


def test_shopping_dates_that_make_no_list_show_their_error_at_the_form(person_page, person):
    page = person_page
    page.goto("/plan/shopping/")
    start = page.get_by_label("From")
    end = page.get_by_label("To", exact=True)
    today = timezone.localdate()
    start.fill(today.isoformat())
    end.fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#shopping-range .error-summary")).to_be_visible()
    assert page.locator("header.site-header").count() == 1  # no page nested in the page
    # No list under the error (the old one would read as the bad dates'), and the address
    # keeps the last good dates.
    expect(page.locator("#shopping-list")).to_be_empty()
    assert "start=" not in page.url
